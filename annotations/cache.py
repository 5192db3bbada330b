"""The single-machine cache: Django's file cache with `add` and `incr` atomic across processes.

Without `REDIS_URL` (settings.py), every gunicorn worker of a machine shares this cache through
a private directory, so API throttles hold across workers; with `REDIS_URL` the cache is Redis
and holds across machines. We chose files over `DatabaseCache` so that a throttled GET does
not become a write: on SQLite every write queues for the one write lock.

Django's `FileBasedCache.add` checks then writes and its `incr` reads then writes (resetting
the expiry), so two processes can both "add" or lose an increment. Here both run under an
exclusive `flock` on one lock file in the cache directory, and `incr` keeps the entry's
expiry, which is what a rate counter needs. Reads stay lock-free: writes replace files
atomically.
"""

from __future__ import annotations

import os
import pickle
import time
import zlib
from contextlib import contextmanager

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks


class FileCache(FileBasedCache):
    """FileBasedCache whose `add` and `incr` are atomic across the processes of one machine."""

    lock_name = "lock"  # not a *.djcache file, so culling and clear() leave it alone

    @contextmanager
    def _exclusive(self):
        self._createdir()
        with open(os.path.join(self._dir, self.lock_name), "ab") as handle:
            locks.lock(handle, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(handle)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._exclusive():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        with self._exclusive():
            try:
                with open(self._key_to_file(key, version), "rb") as handle:
                    expiry = pickle.load(handle)  # noqa: S301 - our own private directory
                    value = pickle.loads(zlib.decompress(handle.read()))  # noqa: S301
            except FileNotFoundError:
                expiry, value = 0.0, None
            now = time.time()
            if value is None or (expiry is not None and expiry <= now):
                raise ValueError(f"Key '{key}' not found")
            new_value = value + delta
            # set() takes a timeout, not a deadline: pass what is left so the expiry stays put.
            remaining = None if expiry is None else max(expiry - now, 0.001)
            self.set(key, new_value, remaining, version)
            return new_value
