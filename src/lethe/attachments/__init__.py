"""Attachments: files on contacts, companies, deals (and other records through a registry).

Each file is sealed by the vault under the key of the record it belongs to (a
person's key for a contact's files, a record key for a company's or deal's) and kept
in the attachment store under a random name; its file name is a sealed document.
"""
