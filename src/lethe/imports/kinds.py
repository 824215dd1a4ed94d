"""The kinds of record that can be imported, by the name the command and the page use."""

from lethe.companies.importer import CompanyKind
from lethe.contacts.importer import ContactKind

KINDS = {"contacts": ContactKind, "companies": CompanyKind}
