"""An upload handler that keeps a file in memory only, up to a size limit.

Django writes uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file; an import
file holds personal data and must never touch the server's disk, so the import page
uses this handler alone. A file over the limit is skipped (its bytes are read and
dropped) and named in `too_large`, so the page can say so next to the field.
"""

import io

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class MemoryOnlyUpload(FileUploadHandler):
    """Keep uploaded files in memory; skip any larger than `limit` bytes."""

    def __init__(self, limit: int, request=None):
        super().__init__(request)
        self.limit = limit
        self.too_large: set[str] = set()

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large.add(self.field_name)
            self.buffer = io.BytesIO()
            raise SkipFile
        self.buffer.write(raw_data)

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer,
            self.field_name,
            self.file_name,
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )
