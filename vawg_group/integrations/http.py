"""An HTTP session for talking to Microsoft: our CA file and our timeout, whatever the environment says."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter


class Session(requests.Session):
    """A requests session that trusts ``ca_bundle`` (if given) and never waits for ever.

    Plain requests lets ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` in the environment override
    a session's ``verify`` (psf/requests#3829): a configured CA file would be silently ignored
    on any machine that sets them. Here a ``verify`` given per request still wins, then the
    session's, then the environment's. Proxies from the environment still apply.
    """

    def __init__(self, *, ca_bundle: str = "", timeout: float):
        super().__init__()
        self.verify = ca_bundle or True
        self.default_timeout = timeout
        # One retry of a failed connection, as msal's own session does.
        adapter = HTTPAdapter(max_retries=1)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, *args, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and self.verify is not True:
            settings["verify"] = self.verify
        return settings
