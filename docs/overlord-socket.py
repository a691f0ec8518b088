#!/usr/bin/env python3
"""Drive a jfunc fleet through the jfunc-overlord socket with Python's xmlrpc.client, Func-style:

    Overlord("*").test.ping()   ->   {"web1.example.org": True, ...}

Usage: overlord-socket.py STATE_DIR [TARGET]   (run as the service's user: the socket is 0600)
"""
import http.client
import socket
import sys
import xmlrpc.client


class UnixTransport(xmlrpc.client.Transport):
    """HTTP over the service's Unix-domain socket instead of TCP."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def make_connection(self, host):
        conn = http.client.HTTPConnection("localhost")
        path = self.path

        def connect():
            conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.sock.connect(path)

        conn.connect = connect
        return conn


class Overlord:
    """Overlord(target).module.method(*args): one call on every minion of target, through the service."""

    def __init__(self, target, state_dir):
        self._target = target
        self._service = xmlrpc.client.ServerProxy(
            "http://localhost/RPC2", transport=UnixTransport(state_dir + "/overlord/overlord.sock"))

    def __getattr__(self, module):
        return _Module(self._service, self._target, module)


class _Module:
    def __init__(self, service, target, module):
        self._service, self._target, self._module = service, target, module

    def __getattr__(self, method):
        def call(*args):
            answer = self._service.overlord.call(self._target, self._module + "." + method, list(args))
            return {r["minion"]: (r.get("value") if r["ok"] else r["error"]) for r in answer["results"]}
        return call


if __name__ == "__main__":
    print(Overlord(sys.argv[2] if len(sys.argv) > 2 else "*", sys.argv[1]).test.ping())
