"""Configuration classes loaded with `app.config.from_object`."""

import os


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///shop.db")
    SESSION_COOKIE_SAMESITE = "Lax"


class ProductionConfig(Config):
    DEBUG = True  # "temporarily", to see errors on the live site
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = False
    WTF_CSRF_ENABLED = False  # the mobile app could not send the token


class StagingConfig(Config):
    DEBUG = bool(os.getenv("STAGING_DEBUG"))


class DevelopmentConfig(Config):
    DEBUG = True
    SESSION_COOKIE_SECURE = False
