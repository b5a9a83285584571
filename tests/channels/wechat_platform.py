"""Test stand-ins for the WeChat platform: the server that posts signed (and encrypted) XML to our webhook, and
a fake of its customer-service API on a loopback port that records every call."""
from __future__ import annotations

import base64
import json
import os
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional
from urllib.parse import parse_qs, urlparse

import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.channels.wechat.protocol import parse_xml, sign

TOKEN = "test-token-7f3a"
APP_ID = "wx5ea1c0ffee000001"
APP_SECRET = "test-app-secret"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")
ACCOUNT = "gh_0123456789ab"


def pkcs7(data: bytes, block: int = 32) -> bytes:
    pad = block - len(data) % block
    return data + bytes([pad]) * pad


def encrypt(xml: str, app_id: str = APP_ID, aes_key: str = AES_KEY, pad=pkcs7) -> str:
    """The platform's encryption: random(16) + length(4, network order) + xml + app id, PKCS#7/32, AES-CBC."""
    key = base64.b64decode(aes_key + "=")
    body = xml.encode("utf-8")
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + app_id.encode()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(pad(plain)) + encryptor.finalize()).decode()


def decrypt(encrypted: str, aes_key: str = AES_KEY) -> str:
    key = base64.b64decode(aes_key + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    plain = plain[:-plain[-1]]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20:20 + length].decode("utf-8")


def text_xml(openid: str, content: str, msg_id: Optional[int] = None, create_time: Optional[int] = None) -> str:
    msg_id = msg_id if msg_id is not None else uuid.uuid4().int % 10**18
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


def event_xml(openid: str, event: str, create_time: Optional[int] = None) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event></xml>")


def media_xml(openid: str, msg_type: str, msg_id: Optional[int] = None) -> str:
    msg_id = msg_id if msg_id is not None else uuid.uuid4().int % 10**18
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
            f"<MediaId><![CDATA[media-1]]></MediaId><MsgId>{msg_id}</MsgId></xml>")


@dataclass
class Platform:
    """Posts to our webhook the way the WeChat server does: query signature always, AES envelope in safe mode."""

    url: str
    token: str = TOKEN
    aes_key: str = AES_KEY

    def query(self, timestamp: Optional[int] = None, nonce: str = "", **extra) -> Dict[str, str]:
        timestamp = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or uuid.uuid4().hex[:10]
        return {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}

    def post(self, xml: str, encrypted: bool = False, query: Optional[dict] = None,
             body: Optional[bytes] = None) -> requests.Response:
        query = dict(query or self.query())
        if encrypted and body is None:
            envelope = encrypt(xml, aes_key=self.aes_key)
            query.update(encrypt_type="aes",
                         msg_signature=sign(self.token, query["timestamp"], query["nonce"], envelope))
            body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{envelope}]]></Encrypt></xml>").encode()
        return requests.post(self.url, params=query, data=body if body is not None else xml.encode("utf-8"),
                             headers={"Content-Type": "text/xml"}, timeout=60)

    def reply(self, response: requests.Response) -> Optional[dict]:
        """The passive reply's fields, decrypted if it came encrypted; None for ``success``."""
        assert response.status_code == 200, (response.status_code, response.text)
        if response.text == "success":
            return None
        fields = parse_xml(response.content)
        if "Encrypt" in fields:
            assert fields["MsgSignature"] == sign(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
            fields = parse_xml(decrypt(fields["Encrypt"], self.aes_key))
        return fields


@dataclass
class FakeCustomerServiceAPI:
    """``/cgi-bin/token`` and ``/cgi-bin/message/custom/send`` on a free loopback port, recording every call."""

    token_expires_in: int = 7200
    # errcodes to answer the next sends with, in order (e.g. [0, 45015]: the second fails); 0 or empty → ok
    send_errors: List[int] = field(default_factory=list)
    token_calls: List[dict] = field(default_factory=list)
    sent: List[dict] = field(default_factory=list)
    rejected: List[dict] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._issued: List[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _answer(self, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path != "/cgi-bin/token":
                    return self._answer({"errcode": 40004, "errmsg": "not found"})
                with fake._lock:
                    fake.token_calls.append(query)
                    if query.get("appid") != APP_ID or query.get("secret") != APP_SECRET:
                        return self._answer({"errcode": 40013, "errmsg": "invalid appid"})
                    token = f"token-{len(fake._issued) + 1}"
                    fake._issued.append(token)
                self._answer({"access_token": token, "expires_in": fake.token_expires_in})

            def do_POST(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
                with fake._lock:
                    if url.path != "/cgi-bin/message/custom/send":
                        return self._answer({"errcode": 40004, "errmsg": "not found"})
                    if not fake._issued or query.get("access_token") != fake._issued[-1]:
                        return self._answer({"errcode": 40001, "errmsg": "invalid credential"})
                    record = {**body, "access_token": query["access_token"]}
                    errcode = fake.send_errors.pop(0) if fake.send_errors else 0
                    if errcode:
                        fake.rejected.append({**record, "errcode": errcode})
                        return self._answer({"errcode": errcode, "errmsg": "response out of time limit"})
                    fake.sent.append(record)
                self._answer({"errcode": 0, "errmsg": "ok"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def texts_to(self, openid: str) -> List[str]:
        with self._lock:
            return [m["text"]["content"] for m in self.sent if m["touser"] == openid]

    def wait_for_texts(self, openid: str, count: int = 1, timeout: float = 90) -> List[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.texts_to(openid)
            if len(texts) >= count:
                return texts
            time.sleep(0.2)
        raise AssertionError(f"{count} customer-service message(s) to {openid} expected, got {self.texts_to(openid)}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
