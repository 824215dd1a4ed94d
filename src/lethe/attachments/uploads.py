"""Uploads of attachments stay in memory: plaintext never goes to a temporary file.

Django spools large uploads to FILE_UPLOAD_TEMP_DIR, a plaintext copy at rest. For
attachment URLs this handler keeps the file in memory instead, up to the size limit;
past it the bytes are dropped and only counted, so the upload is refused as too large
without holding it.
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers

PREFIXES = ("/attachments/", "/api/v1/attachments/")


class TooLarge(InMemoryUploadedFile):
    """An upload past the size limit: its size is counted, its bytes are not kept."""


class AttachmentUploadHandler(FileUploadHandler):
    """Keep attachment uploads in memory up to the limit; leave other uploads alone."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = self.request is not None and self.request.path.startswith(PREFIXES)
        self.limit = settings.CONFIG.attachment_max_bytes

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.activated:
            self.buffer = BytesIO()
            self.received = 0
            # The later handlers would open their own (temporary) files: stop them.
            raise StopFutureHandlers

    def receive_data_chunk(self, raw_data, start):
        if not self.activated:
            return raw_data
        self.received += len(raw_data)
        if self.received <= self.limit:
            self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        if not self.activated:
            return None
        too_large = self.received > self.limit
        self.buffer.seek(0)
        cls = TooLarge if too_large else InMemoryUploadedFile
        return cls(
            file=BytesIO() if too_large else self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def read(file, *, missing: str) -> bytes:
    """Return an uploaded file's bytes; raise Rejected (field "file") if absent or too large."""
    from lethe.attachments.filetypes import Rejected

    if file is None:
        raise Rejected("file", missing)
    if isinstance(file, TooLarge):
        limit = settings.CONFIG.attachment_max_bytes
        raise Rejected("file", f"the file is larger than {limit} bytes")
    return file.read()
