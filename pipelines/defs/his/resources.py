"""Resources for reaching the hospitals' HIS."""

import dagster as dg
import httpx
from pydantic import PrivateAttr


class HisDApiResource(dg.ConfigurableResource):
    """HTTP client for vendor D's paginated REST API.

    ``base_url`` (env ``HIS_D_API_URL``) points at the vendor's gateway. When it is empty — the
    embedded default — the simulated vendor-D server is started on a free loopback port for the
    duration of the run, serving what ``healthops simulate`` wrote under ``var/sources/his_d``.
    """

    base_url: str = ""
    timeout_s: float = 30.0

    _client: httpx.Client | None = PrivateAttr(default=None)
    _server: object | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        base_url = self.base_url
        if not base_url:
            from pipelines.simulate.his_d_server import HisDServer
            from warehouse.paths import sources_dir

            self._server = HisDServer(sources_dir() / "his_d").start()
            base_url = self._server.base_url
        self._client = httpx.Client(base_url=base_url, timeout=self.timeout_s)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
        if self._server is not None:
            self._server.stop()

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            raise RuntimeError("HisDApiResource used outside a run")
        return self._client
