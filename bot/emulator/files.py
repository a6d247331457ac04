"""Files: uploads, downloads and the documents and photos that carry them."""

from __future__ import annotations

from telegram.constants import MessageLimit

from bot.emulator.errors import (
    ApiError,
    bad_request,
)
from bot.emulator.html_mode import text_length as utf16_length
from bot.emulator.messages import Messages
from bot.emulator.state import (
    JSON,
    MAX_DOWNLOAD_BYTES,
    MAX_UPLOAD_BYTES,
    ChatState,
    ReaderError,
    StoredFile,
    Upload,
    png_size,
)

MAX_PHOTO_BYTES = 10 * 1024 * 1024


def check_photo(content: bytes) -> None:
    """What sendPhoto refuses (Bot API: at most 10 MB, width and height at most 10000 in
    total, a ratio of at most 20). Only PNG is read here, the one kind newsbot sends;
    anything else is refused as an image Telegram could not process (stricter than
    Telegram, which takes JPEG and WebP too)."""
    if len(content) > MAX_PHOTO_BYTES:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")
    size = png_size(content)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if (
        width == 0
        or height == 0
        or width + height > 10_000
        or max(width, height) > 20 * min(width, height)
    ):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")


class Files(Messages):
    def _send_file(self, params: JSON, field_name: str) -> tuple[ChatState, StoredFile, JSON]:
        chat = self._chat(params.get("chat_id"))
        self._check_can_send(chat)
        upload = params.get(field_name)
        if isinstance(upload, Upload):
            if len(upload.content) > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            stored = self._store_file(upload.content, upload.filename, upload.content_type)
        elif isinstance(upload, str) and upload in self.files:
            stored = self.files[upload]
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        body: JSON = {}
        if params.get("caption"):
            caption = self._text_and_entities(
                str(params["caption"]),
                params.get("parse_mode"),
                MessageLimit.CAPTION_LENGTH,
                "message caption",
                chat,
            )
            body["caption"] = caption["text"]
            if caption["entities"]:
                body["caption_entities"] = caption["entities"]
        self._flood(chat)
        return chat, stored, body

    def api_sendDocument(self, params: JSON) -> JSON:
        chat, stored, body = self._send_file(params, "document")
        body["document"] = self._document_json(stored)
        return self._send(chat, body, params)

    def api_sendPhoto(self, params: JSON) -> JSON:
        chat, stored, body = self._send_file(params, "photo")
        check_photo(stored.content)
        body["photo"] = self._photo_json(stored)
        return self._send(chat, body, params)

    def api_getFile(self, params: JSON) -> JSON:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    def send_document(
        self,
        user_id: int,
        file_name: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime_type: str = "text/plain",
        chat_id: int | None = None,
    ) -> JSON:
        if not file_name or file_name in (".", "..") or any(c in file_name for c in "/\\\0"):
            raise ReaderError(f"not a file name: {file_name!r}")
        user = self._user(user_id)
        chat = self.chats[chat_id if chat_id is not None else user_id]
        if chat.type == "private":
            chat.started_bot = True
        stored = self._store_file(content, file_name, mime_type)
        body: JSON = {"from": user, "document": self._document_json(stored)}
        if caption:
            body["caption"] = caption
            if caption.startswith("/"):
                command = caption.split()[0]
                body["caption_entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
                ]
        message = self._new_message(chat, body)
        if chat.type == "private":
            self._push("message", message)
        else:
            self._push_group_message(chat, "message", message)
        return message
