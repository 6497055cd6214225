"""Third-party Open311 GeoReport v2 clients from PyPI (civicbot, georeport) against a running
cityops service: list services (JSON and XML), post a request, read it back.
Usage: python third_party.py BASE_URL API_KEY   (BASE_URL like http://127.0.0.1:8480/open311/v2)
"""
import sys

import georeport
from civicbot.open311 import CONFIRM_TOKEN, Open311Client
from civicbot.registry import Endpoint

base, api_key = sys.argv[1], sys.argv[2]
for fmt in ("json", "xml"):
    services = georeport.GeoReport(base, output_format=fmt).get_service_list()
    assert len(services) == 250, (fmt, len(services))
    assert any(s["service_code"] == "06010" and s["service_name"] == "暴露垃圾" for s in services), fmt
client = Open311Client(Endpoint(id="qingdao", name="Qingdao cityops", base_url=base, write=True), fmt="json")
posted = client.create_request("06010", dry_run=False, confirm=CONFIRM_TOKEN, api_key=api_key,
                               lat=36.0671, lng=120.3826, description="third-party client: 暴露垃圾",
                               validate_remote=True)
rid = posted.response[0]["service_request_id"]
back = client.get_request(rid)
assert back["service_request_id"] == rid and back["status"] == "open" and back["service_code"] == "06010", back
xml = georeport.GeoReport(base, output_format="xml").get_service_request(rid)
assert xml["service_request_id"] == rid and xml["description"] == "third-party client: 暴露垃圾", xml
print(f"third-party Open311 clients: 250 services (json, xml), posted and read back request {rid}")
