"""The profiles plug-in's part of one customer's data (declared in privacy/parts.py)."""

from plugins.profiles.privacy.parts import PROFILE_PART

parts = (PROFILE_PART,)
