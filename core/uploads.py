"""Photos chosen on a form that was refused, kept on the server so they need not be chosen again.

A browser cannot refill a file input: on a phone, after a typo in another field, the person
would have to take the pictures again. So a view whose form fails stashes the valid images
(`stash`: saved under `stash/` in the default storage, each named by a signed token bound to the
uploader), the page shows them ("已保留 N 张照片") with the tokens in hidden inputs, and the
resubmitted form gets them back (`kept`: the storage names, once the signatures are checked).
A changed or foreign token is a 400 with a Chinese reason; an expired one (older than MAX_AGE)
a form error asking for the photos again. `sweep` deletes stash files older than MAX_AGE.

A record never refers to a stash file (the sweep would delete it under it): `reopen` hands a
kept image to the model as a file, which stores it under its own upload directory, and
`discard` removes the stash file once the record is written.

KeepsPhotos is the form side: a form with a photos field mixes it in and the view calls
`keep_photos()` when the form is refused and `photos_stored()` when it succeeded."""

import logging
import posixpath
import uuid
from datetime import timedelta

from django.core import signing
from django.core.exceptions import BadRequest, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

logger = logging.getLogger("anjian.uploads")

STASH_DIR = "stash"
MAX_AGE = timedelta(days=1)
SALT = "core.uploads.stash"
# More tokens than a form takes photos, or a longer token than signing makes, is not a browser's.
MAX_TOKENS = 9
MAX_TOKEN_LENGTH = 300
FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}

TAMPERED = "保留的照片信息无效（可能被修改），请重新选择照片"
EXPIRED = "保留的照片已过期，请重新选择照片"


class TamperedToken(BadRequest):
    """A 400 whose message is Chinese and is shown on the 400 page (core.views.bad_request)."""


def stash(upload, user) -> str:
    """Save a checked image (an ImageField has cleaned it: `upload.image` is Pillow's) under
    stash/ and return its token."""
    image = getattr(upload, "image", None)
    extension = FORMATS.get(getattr(image, "format", None), "jpg")
    upload.seek(0)
    name = default_storage.save(f"{STASH_DIR}/{uuid.uuid4().hex}.{extension}", upload)
    return signing.dumps({"n": name, "u": user.pk}, salt=SALT, compress=False)


def _name(token, user) -> str:
    """The storage name a token stands for: TamperedToken if it was not made here for this
    user, ValidationError if it is older than MAX_AGE or its file is gone."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise TamperedToken(TAMPERED)
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(EXPIRED, code="expired") from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise TamperedToken(TAMPERED) from None
    if not isinstance(payload, dict):
        raise TamperedToken(TAMPERED)
    name = payload.get("n")
    if (
        payload.get("u") != getattr(user, "pk", None)
        or not isinstance(name, str)
        or posixpath.dirname(name) != STASH_DIR
    ):
        raise TamperedToken(TAMPERED)
    if not default_storage.exists(name):
        raise ValidationError(EXPIRED, code="expired")
    return name


def kept(tokens, user) -> list[str]:
    """The storage names of the stashed images `tokens` stand for (see _name for refusals)."""
    if len(tokens) > MAX_TOKENS:
        raise TamperedToken(TAMPERED)
    return [_name(token, user) for token in tokens]


def reopen(name: str) -> File:
    """A stashed image as a file a model's ImageField stores anew under its own upload_to."""
    return File(default_storage.open(name, "rb"), name=posixpath.basename(name))


def discard(names) -> None:
    for name in names:
        default_storage.delete(name)


def sweep(now=None) -> int:
    """Delete stash files older than MAX_AGE; how many were deleted."""
    cutoff = (now or timezone.now()) - MAX_AGE
    try:
        _, files = default_storage.listdir(STASH_DIR)
    except FileNotFoundError:
        return 0
    deleted = 0
    for filename in files:
        name = f"{STASH_DIR}/{filename}"
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
                deleted += 1
        except FileNotFoundError:
            continue
    if deleted:
        logger.info("stash sweep: %d file(s) older than %s deleted", deleted, MAX_AGE)
    return deleted


@db_periodic_task(crontab(minute="40"))
def sweep_stash():
    sweep()


def _getlist(mapping, key) -> list:
    return mapping.getlist(key) if hasattr(mapping, "getlist") else []


class KeepsPhotos:
    """A form whose photos field (`photos_field`) keeps its valid images when the form is
    refused. The form is built with `uploader=` (the user); the tokens come back in the hidden
    inputs named `kept_photos`. Once valid, the photos field's cleaned value holds the kept
    images (reopened) followed by the new uploads, at most `max_photos` in all."""

    photos_field = "photos"
    tokens_name = "kept_photos"
    max_photos = 9

    def __init__(self, *args, uploader=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.uploader = uploader
        self.kept_tokens: list[str] = []
        self._kept_names: list[str] = []
        self._reopened: list[File] = []

    def clean(self):
        """The tokens the page sent back: TamperedToken (a 400) for a forged one; an expired
        one dropped, with an error on the photos field."""
        data = super().clean()
        tokens = _getlist(self.data, self.add_prefix(self.tokens_name))
        if len(tokens) > MAX_TOKENS:
            raise TamperedToken(TAMPERED)
        expired = 0
        for token in tokens:
            try:
                name = _name(token, self.uploader)
            except ValidationError:
                expired += 1
                continue
            self.kept_tokens.append(token)
            self._kept_names.append(name)
        if expired:
            self.add_error(self.photos_field, f"{expired} 张{EXPIRED}")
        photos = data.get(self.photos_field)
        if photos is not None and self._kept_names:
            if len(self._kept_names) + len(photos) > self.max_photos:
                self.add_error(
                    self.photos_field,
                    f"一次最多上传 {self.max_photos} 张照片（已保留 {len(self._kept_names)} 张）",
                )
            else:
                self._reopened = [reopen(name) for name in self._kept_names]
                data[self.photos_field] = self._reopened + list(photos)
        return data

    def _close_reopened(self) -> None:
        for photo in self._reopened:
            photo.close()
        self._reopened = []

    def keep_photos(self) -> None:
        """The form was refused: stash the new uploads that pass the photos field's checks, so
        the page shows them with the ones kept before."""
        self._close_reopened()
        if not self.is_bound or self.uploader is None:
            return
        field = self.fields[self.photos_field]
        room = self.max_photos - len(self.kept_tokens)
        for upload in _getlist(self.files, self.add_prefix(self.photos_field))[:room]:
            try:
                [checked] = field.clean([upload])
            except ValidationError:
                continue
            token = stash(checked, self.uploader)
            self.kept_tokens.append(token)
            self._kept_names.append(_name(token, self.uploader))

    def photos_stored(self) -> None:
        """The record holds its own copies now: the stash files go."""
        self._close_reopened()
        discard(self._kept_names)
        self._kept_names = []
