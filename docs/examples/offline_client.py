#!/usr/bin/env python3
"""An offline client for Liaison's REST API: the example of docs/api.md ("Writing an
offline client"). Python 3.11, standard library only.

A liaison officer's phone records door-to-door visits (走访) where there is no signal.
Every record gets its UUID on the phone (the visit, each ledger row, each photo) and
waits in a queue kept in a JSON file. Online again, ``sync()``:

1. sends each changed visit by ``PUT /api/v1/receptions/<its UUID>/`` (a retry can never
   make a second visit: the UUID is the visit), with ``If-Match`` once the server has it;
2. on **412** (someone changed it on the server meanwhile) fetches the server's version,
   merges it with the phone's changes (three-way, against the version the phone last
   saw) and sends the merge with the new ETag;
3. uploads the queued photos (``POST …/attachments/`` with the photo's UUID);
4. pulls the station's receptions from the sync feed, and starts the feed over on
   **410** (its cursor is older than the server keeps deletions).

Network failures, 429 and 502/503/504 are retried with backoff; when the server stays out
of reach ``sync()`` raises ``Offline`` and the queue is kept for next time.

    python docs/examples/offline_client.py --url http://127.0.0.1:8000 --token KEY sync
    python docs/examples/offline_client.py --url … --token KEY capture visit.json
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# What a PUT of a reception carries (the detail GET answers these and more).
VISIT_FIELDS = (
    "station",
    "kind",
    "theme",
    "theme_kind",
    "starts_at",
    "ends_at",
    "citizens_received",
    "notes",
    "slot",
    "status",
    "deputies",
    "cadres",
    "guests",
    "rows",
)
RETRIED_STATUSES = (429, 502, 503, 504)


class Offline(Exception):
    """The server could not be reached: nothing was lost, try again later."""


class Refused(Exception):
    """The server refused a record (400, 403, 404…): a person has to look at it."""

    def __init__(self, status: int, body: Any):
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: Any


@dataclass
class Api:
    """HTTP to ``/api/v1/`` with a token; retries what is worth retrying."""

    base_url: str
    token: str
    timeout: float = 15
    attempts: int = 4
    backoff: float = 1.0

    def __post_init__(self):
        if urllib.parse.urlsplit(self.base_url).scheme not in ("http", "https"):
            raise ValueError("the server's address must start with http:// or https://")

    def call(
        self, method: str, path: str, *, body: Any = None, params: dict | None = None, headers=None
    ) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        extra = {"Content-Type": "application/json"} if data is not None else {}
        return self._send(method, path, data, {**extra, **(headers or {})}, params)

    def upload(self, path: str, *, file: Path, fields: dict[str, str]) -> Answer:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        fallback = "upload" + file.suffix.encode("ascii", "ignore").decode()
        names = f"filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(file.name)}"
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; {names}\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + file.read_bytes()
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self._send("POST", path, b"".join(parts), headers, None)

    def _send(self, method, path, data, headers, params) -> Answer:
        url = f"{self.base_url.rstrip('/')}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json", **headers}
        for attempt in range(self.attempts):
            request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - http(s), checked above
                    return _answer(response.status, response.headers, response.read())
            except urllib.error.HTTPError as error:
                answer = _answer(error.code, error.headers, error.read())
                if error.code not in RETRIED_STATUSES or attempt == self.attempts - 1:
                    return answer
                wait = float(answer.headers.get("retry-after") or self.backoff * 2**attempt)
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                if attempt == self.attempts - 1:
                    raise Offline(str(error)) from error
                wait = self.backoff * 2**attempt
            time.sleep(min(wait, 60))
        raise Offline(url)  # pragma: no cover - the loop returns or raises


def _answer(status: int, headers, raw: bytes) -> Answer:
    lowered = {name.lower(): value for name, value in headers.items()}
    body = json.loads(raw) if raw and lowered.get("content-type", "").startswith("application/json") else raw
    return Answer(status, lowered, body)


# --- merging a visit changed on both sides ----------------------------------------------------


def as_put(record: dict) -> dict:
    """A reception as the API shows it → the body a PUT sends."""
    body = {name: record.get(name) for name in VISIT_FIELDS}
    body["rows"] = [
        {k: v for k, v in row.items() if k != "citizen_data_masked"} for row in record.get("rows", [])
    ]
    return body


def _merge_value(base, mine, theirs):
    return theirs if mine == base else mine  # changed on both sides: the phone's edit wins


def _merge_set(base: list, mine: list, theirs: list) -> list:
    """Items added on either side stay, items removed on either side go."""
    key = json.dumps
    b, m = {key(x) for x in base}, {key(x) for x in mine}
    kept = [x for x in theirs if not (key(x) in b and key(x) not in m)]
    return kept + [x for x in mine if key(x) not in b and x not in kept]


def _merge_rows(base: list, mine: list, theirs: list) -> list:
    """Ledger rows by id: a row added on either side stays; a row removed on one side
    goes unless the other side changed it; a row changed on both sides is the phone's."""
    b, m, t = ({r["id"]: r for r in rows} for rows in (base, mine, theirs))
    merged = []
    for row_id in [*t, *(i for i in m if i not in t)]:
        if row_id in m and row_id in t:
            merged.append(_merge_value(b.get(row_id), m[row_id], t[row_id]))
        elif row_id in t and (row_id not in b or t[row_id] != b[row_id]):
            merged.append(t[row_id])  # new on the server, or changed there (and dropped here)
        elif row_id in m and (row_id not in b or m[row_id] != b[row_id]):
            merged.append(m[row_id])  # new on the phone, or changed here (and dropped there)
    return merged


def merge(base: dict | None, mine: dict, theirs: dict) -> dict:
    """Three-way merge of a visit: ``base`` is the version the phone last had from the
    server, ``mine`` the phone's, ``theirs`` the server's now. A field changed on one side
    takes that side's value; changed on both, the phone's; lists merge item by item."""
    if base is None:
        return mine
    out = {}
    for name in VISIT_FIELDS:
        b, m, t = base.get(name), mine.get(name), theirs.get(name)
        if name == "rows":
            out[name] = _merge_rows(b or [], m or [], t or [])
        elif name in ("deputies", "cadres", "guests"):
            out[name] = _merge_set(b or [], m or [], t or [])
        else:
            out[name] = _merge_value(b, m, t)
    return out


# --- the phone ---------------------------------------------------------------------------------


@dataclass
class OfflineClient:
    """Visits captured offline, kept in ``store_path`` until the server has them."""

    api: Api
    store_path: Path
    store: dict = field(init=False)

    def __post_init__(self):
        self.store_path = Path(self.store_path)
        empty = {"visits": {}, "photos": [], "feeds": {}}
        self.store = json.loads(self.store_path.read_text()) if self.store_path.exists() else empty

    def save(self) -> None:
        temporary = self.store_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.store, ensure_ascii=False, indent=1))
        os.replace(temporary, self.store_path)  # never half a file, whatever happens

    # offline: nothing here touches the network

    def capture_visit(self, *, station: str, starts_at: str, rows=(), **fields) -> str:
        """A new visit (走访 unless ``kind`` says otherwise); returns its UUID."""
        visit_id = str(uuid.uuid4())
        body = {
            "station": station,
            "kind": "door_to_door",
            "theme": "",
            "theme_kind": "",
            "starts_at": starts_at,
            "ends_at": None,
            "citizens_received": 0,
            "notes": "",
            "slot": None,
            "status": "done",
            "deputies": [],
            "cadres": [],
            "guests": [],
            **fields,
            "rows": [{"id": str(uuid.uuid4()), **row} for row in rows],
        }
        self.store["visits"][visit_id] = {"body": body, "base": None, "etag": None, "dirty": True}
        self.save()
        return visit_id

    def edit_visit(self, visit_id: str, **changes) -> None:
        entry = self.store["visits"][visit_id]
        entry["body"].update(changes)
        entry["dirty"] = True
        self.save()

    def add_row(self, visit_id: str, **row) -> str:
        """One more ledger row; returns its UUID (the ticket's, once the visit is done)."""
        row_id = str(uuid.uuid4())
        entry = self.store["visits"][visit_id]
        entry["body"]["rows"].append({"id": row_id, **row})
        entry["dirty"] = True
        self.save()
        return row_id

    def attach_photo(self, visit_id: str, path: str | Path) -> str:
        photo_id = str(uuid.uuid4())
        self.store["photos"].append({"id": photo_id, "visit": visit_id, "path": str(path)})
        self.save()
        return photo_id

    # online

    def sync(self) -> dict:
        """Send what changed, upload the photos, pull the receptions. Returns counts and
        the records the server refused (they stay queued)."""
        report = {"created": 0, "updated": 0, "unchanged": 0, "conflicts": 0, "uploaded": 0, "refused": []}
        for visit_id, entry in self.store["visits"].items():
            if entry["dirty"]:
                try:
                    report[self._push(visit_id, entry, report)] += 1
                except Refused as refusal:
                    report["refused"].append(
                        {"visit": visit_id, "status": refusal.status, "body": refusal.body}
                    )
                self.save()
        for photo in list(self.store["photos"]):
            if self.store["visits"].get(photo["visit"], {}).get("dirty"):
                continue  # its visit is not on the server yet
            answer = self.api.upload(
                f"receptions/{photo['visit']}/attachments/",
                file=Path(photo["path"]),
                fields={"id": photo["id"]},
            )
            if answer.status in (200, 201):
                self.store["photos"].remove(photo)
                report["uploaded"] += 1
            else:
                report["refused"].append({"photo": photo["id"], "status": answer.status, "body": answer.body})
            self.save()
        self.pull("receptions")
        return report

    def _push(self, visit_id: str, entry: dict, report: dict) -> str:
        for _ in range(5):  # each round trip resolves one conflict; five in a row is a person's job
            sent = entry["etag"]
            headers = {"If-Match": sent} if sent else {}
            answer = self.api.call("PUT", f"receptions/{visit_id}/", body=entry["body"], headers=headers)
            if answer.status in (200, 201):
                etag = answer.headers["etag"]
                entry.update(base=as_put(answer.body), body=as_put(answer.body), etag=etag, dirty=False)
                return "created" if answer.status == 201 else "updated" if etag != sent else "unchanged"
            if answer.status not in (412, 428):
                raise Refused(answer.status, answer.body)
            # changed on the server meanwhile (412), or created by an earlier try whose
            # answer was lost (428): fetch it, merge, send again with its ETag
            report["conflicts"] += 1
            current = self.api.call("GET", f"receptions/{visit_id}/")
            if current.status != 200:
                raise Refused(current.status, current.body)
            theirs = as_put(current.body)
            entry["body"] = merge(entry["base"], entry["body"], theirs)
            entry["base"], entry["etag"] = theirs, current.headers["etag"]
        raise Refused(412, "conflicts kept coming back")

    def pull(self, resource: str, **filters) -> int:
        """Bring the local copy of a feed up to date; on 410 start it over. Returns the
        number of changes applied."""
        feed = self.store["feeds"].setdefault(resource, {"cursor": None, "records": {}})
        applied = 0
        while True:
            params = {"limit": 500, "cursor": feed["cursor"], **filters}
            answer = self.api.call("GET", f"{resource}/sync/", params=params)
            if answer.status == 410 and feed["cursor"]:
                feed.update(cursor=None, records={})  # deletions were pruned: resync from scratch
                continue
            if answer.status != 200:
                raise Refused(answer.status, answer.body)
            for record in answer.body["results"]:
                if record.get("deleted"):
                    feed["records"].pop(record["id"], None)
                else:
                    feed["records"][record["id"]] = record
                applied += 1
            feed["cursor"] = answer.body["next_cursor"]
            if not answer.body["has_more"]:
                self.save()
                return applied


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--store", default="liaison-offline.json")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("sync", help="send the queue, pull the receptions")
    capture = commands.add_parser("capture", help="queue a visit from a JSON file (see capture_visit)")
    capture.add_argument("visit", type=Path)
    args = parser.parse_args(argv)
    client = OfflineClient(Api(args.url, args.token), Path(args.store))
    if args.command == "capture":
        print(client.capture_visit(**json.loads(args.visit.read_text())))
    else:
        print(json.dumps(client.sync(), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
