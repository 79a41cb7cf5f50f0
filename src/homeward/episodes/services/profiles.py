"""The Philomena profile (Part A): each save a new version, the photo decoded and re-encoded."""

import io
import warnings
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image, ImageOps

from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.children.models import Child
from homeward.episodes import rules
from homeward.episodes.models import PhilomenaProfile
from homeward.episodes.services._common import _child_for, _require


PHOTO_MAX_BYTES = 5 * 1024 * 1024
# A 5 MB file can claim a picture of billions of pixels (a decompression bomb): the header is read
# first, and anything over this is refused before a pixel is decoded. 40 million is above any phone
# camera's usual photo (12 to 24 million) and needs about 120 MB to decode.
PHOTO_MAX_PIXELS = 40_000_000
# The formats accepted, as Pillow names them, and the extension each is stored under.
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
PHOTO_NOT_AN_IMAGE = "The photo must be a JPEG, PNG or WebP image."


def _photo_cleaned(photo) -> tuple[str, bytes]:
    """The photo decoded and encoded again: (its extension, the new file's bytes).

    Only the pixels are kept. A phone photo's EXIF says where and when it was taken and on what
    device (GPS, time, serial numbers): of a child in care, that can say where they live. Decoding
    every pixel also refuses anything that merely starts like an image.
    """
    if getattr(photo, "size", None) is not None and photo.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": "The photo must be smaller than 5 MB."})
    photo.seek(0)
    content = photo.read(PHOTO_MAX_BYTES + 1)
    if len(content) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": "The photo must be smaller than 5 MB."})
    too_many_pixels = ValidationError(
        {
            "photo": f"The photo must be at most {PHOTO_MAX_PIXELS // 1_000_000} million pixels (for example 8,000 by 5,000)."
        }
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns of a possible bomb from its own limit upwards and raises at twice that.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=list(PHOTO_FORMATS))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_many_pixels from None
    except (OSError, ValueError, SyntaxError):  # Pillow's ways of saying "not one of these formats"
        raise ValidationError({"photo": PHOTO_NOT_AN_IMAGE}) from None
    with image:
        width, height = image.size
        if width * height > PHOTO_MAX_PIXELS:
            raise too_many_pixels
        format_ = image.format
        out = io.BytesIO()
        try:
            image.load()  # every pixel: a damaged or cut-short file fails here
            # The camera's "this way up" lives in the EXIF that is about to go: turn the pixels instead.
            upright = ImageOps.exif_transpose(image)
            if format_ == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")  # CMYK: JPEG is written as RGB
            # Nothing of the original's metadata goes back in: not EXIF, XMP, ICC profile nor PNG
            # text. Only a PNG's transparency (part of the picture, not about it) is kept.
            upright.info = {key: value for key, value in upright.info.items() if key == "transparency"}
            upright.save(out, format_, **{"PNG": {}, "JPEG": {"quality": 90}, "WEBP": {"quality": 90}}[format_])
        except Exception:  # a malformed file can fail inside Pillow in many ways; each means the same here
            raise ValidationError(
                {"photo": "The photo could not be read: the file may be damaged. Choose another photo."}
            ) from None
    return PHOTO_FORMATS[format_], out.getvalue()


@transaction.atomic
def philomena_profile_save(
    *,
    user,
    why: str,
    child: Child | int,
    description: str = "",
    associates: str = "",
    addresses: str = "",
    places_frequented: str = "",
    phone: str = "",
    social_media: str = "",
    medical_needs: str = "",
    vulnerabilities: str = "",
    previous_missing_history: str = "",
    transport: str = "",
    financial: str = "",
    photo=None,
    remove_photo: bool = False,
) -> PhilomenaProfile:
    """Save Part A as a new version. The photo carries over from the last version unless replaced or removed."""
    child, reasons = _child_for(user, child, why)
    _require(rules.may_keep_profile(user, reasons), "change this child's Philomena profile")
    if len(phone) > 100:
        raise ValidationError({"phone": "Phone must be at most 100 characters."})
    extension, content = _photo_cleaned(photo) if photo is not None else (None, b"")
    # Lock the child's row so two saves cannot both take the next version number.
    Child.objects.select_for_update().filter(pk=child.pk).first()
    previous = PhilomenaProfile.objects.filter(child=child).order_by("-version").first()
    profile = PhilomenaProfile(
        child=child,
        version=(previous.version + 1) if previous else 1,
        created_by=user,
        description=description.strip(),
        associates=associates.strip(),
        addresses=addresses.strip(),
        places_frequented=places_frequented.strip(),
        phone=phone.strip(),
        social_media=social_media.strip(),
        medical_needs=medical_needs.strip(),
        vulnerabilities=vulnerabilities.strip(),
        previous_missing_history=previous_missing_history.strip(),
        transport=transport.strip(),
        financial=financial.strip(),
    )
    if extension is not None:
        # The file is written once the row is committed: a save that fails or is rolled back leaves
        # no photo of a child on disk without a record of it.
        profile.photo.name = profile.photo.field.generate_filename(profile, f"photo{extension}")
        transaction.on_commit(partial(profile.photo.storage.save, profile.photo.name, ContentFile(content)))
    elif previous is not None and previous.photo and not remove_photo:
        profile.photo = previous.photo.name
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        raise ValidationError(
            {"child": "Someone else saved this profile at the same moment: reload and try again."}
        ) from None
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="philomena_profile",
        object_id=profile.pk,
        child_id=child.pk,
        why=why,
        detail={"version": profile.version},
    )
    return profile
