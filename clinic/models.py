import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

from .phone_numbers import validate_phone_number

HOME_TITLE_MAX = 100
HOME_TITLE = "What Is Treatment-Resistant Depression? Understanding the Diagnosis No One Talks About"
HOME_INTRODUCTION = (
    "A short guide for anyone whose depression has not lifted after trying treatment, and for the people "
    "who support them. Read it in order, or start where you need to."
)


def validate_web_address(address: str) -> None:
    """A full web address: the link must open a page, never run anything (no javascript: links)."""
    try:
        URLValidator(schemes=["https", "http"])(address)
    except ValidationError:
        raise ValidationError(
            "Enter a full web address starting with https://, for example https://findahelpline.com/.",
            code="invalid_web_address",
        ) from None


@reversion.register()
class SiteSettings(models.Model):
    """The clinic's own words on every page. One row (pk 1); without it, the environment's defaults."""

    clinic_name = models.CharField(
        max_length=100,
        blank=True,
        help_text="Your clinic's name, for the printed handout, e.g. “Riverside Mood Clinic”. May be left empty.",
    )
    home_title = models.CharField(
        max_length=HOME_TITLE_MAX,
        help_text=f"The main heading of the home page. At most {HOME_TITLE_MAX} characters, so it stays short on a phone.",
    )
    home_introduction = models.TextField(
        max_length=600,
        help_text="One short paragraph under the home page's heading, in plain words (no formatting). At most 600 characters.",
    )
    crisis_text = models.TextField(
        max_length=300,
        help_text="The crisis notice at the top of every page, e.g. “In crisis or thinking about suicide? Call or text 988.”",
    )
    crisis_phone = models.CharField(
        max_length=30,
        validators=[validate_phone_number],
        help_text="The crisis line readers call, e.g. 988, 116 123 or +44 800 689 5652 (digits, spaces, hyphens, brackets, a leading +).",
    )
    crisis_sms = models.CharField(
        "crisis text message number",
        max_length=30,
        validators=[validate_phone_number],
        help_text="The number readers can text, e.g. 988 or 85258.",
    )
    crisis_line_name = models.CharField(
        max_length=150,
        help_text="Who answers, as it reads after “to reach”, e.g. “the 988 Suicide & Crisis Lifeline (US), any time, day or night”.",
    )
    emergency_number = models.CharField(
        max_length=30, validators=[validate_phone_number], help_text="Emergency services, e.g. 911, 999 or 112."
    )
    international_url = models.CharField(
        "international help link",
        max_length=300,
        validators=[validate_web_address],
        help_text="A directory of helplines for readers in other countries, starting with https://, e.g. https://findahelpline.com/.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="site_settings_single_row")]

    def __str__(self):
        return "Site settings"

    def save(self, *args, **kwargs):
        self.pk = 1  # the one row
        super().save(*args, **kwargs)

    @classmethod
    def from_environment(cls) -> "SiteSettings":
        """The defaults from the environment (settings.py), unsaved: shown while no row exists."""
        return cls(
            pk=1,
            clinic_name=settings.CLINIC_NAME,
            home_title=HOME_TITLE,
            home_introduction=HOME_INTRODUCTION,
            crisis_text=settings.CRISIS_TEXT,
            crisis_phone=settings.CRISIS_PHONE,
            crisis_sms=settings.CRISIS_SMS,
            crisis_line_name=settings.CRISIS_LINE_NAME,
            emergency_number=settings.EMERGENCY_NUMBER,
            international_url=settings.CRISIS_INTERNATIONAL_URL,
        )
