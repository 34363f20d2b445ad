"""One deploy check per file (FLK901-FLK919); each is a pure function of an `AppSnapshot`."""
