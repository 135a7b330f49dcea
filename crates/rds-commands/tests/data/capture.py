#!/usr/bin/env python3
"""Captures what a real redis-server 7.0.15 says about its commands, for rds's table tests.

Usage: start `redis-server --port 23791 --save '' --appendonly no`, then run
    python3 capture.py 23791            # rewrites the data files next to this script
    python3 capture.py 23791 --rust-docs zadd zrange   # prints docs entries for rds-commands' docs table

For a redis-sentinel 7.0.15 (its own command table), `python3 capture.py <sentinel port> --sentinel`
writes sentinel_command_info.txt and sentinel_command_docs.txt in the same formats.

Files written (facts observed through COMMAND INFO / COMMAND DOCS, nothing else):
- command_info.txt: one line per command and subcommand, tab-separated:
  name, arity, flags, first key, last key, step, ACL categories, tips, key specs.
- command_docs.txt: one line per command and subcommand: name, then its COMMAND DOCS map as JSON
  (RESP3 maps become JSON objects in reply order; a container's `subcommands` entry is left out).
- command_info_sample.resp2/.resp3, command_docs_sample.resp2/.resp3: raw replies to
  COMMAND INFO / COMMAND DOCS of a few commands.
"""

import json
import os
import socket
import sys

SAMPLE = ["get", "set", "mset", "config|get", "ping", "del", "client|list", "keys"]
HERE = os.path.dirname(os.path.abspath(__file__))


class Conn:
    """A minimal RESP2/RESP3 client."""

    def __init__(self, port, proto):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        if proto == 3:
            self.call("HELLO", "3")

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for arg in args:
            arg = arg.encode()
            out += b"$%d\r\n%s\r\n" % (len(arg), arg)
        self.sock.sendall(out)

    def reply(self):
        while True:
            try:
                value, end = self.parse(0)
            except IndexError:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise
                self.buf += chunk
                continue
            raw, self.buf = self.buf[:end], self.buf[end:]
            return value, raw

    def call(self, *args):
        self.send(*args)
        return self.reply()[0]

    def raw(self, *args):
        self.send(*args)
        return self.reply()[1]

    def line(self, i):
        j = self.buf.find(b"\r\n", i)
        if j < 0:
            raise IndexError
        return self.buf[i:j], j + 2

    def parse(self, i):
        if i >= len(self.buf):
            raise IndexError
        kind = self.buf[i:i + 1]
        text, i = self.line(i + 1)
        if kind == b"+":
            return text.decode(), i
        if kind == b"-":
            raise RuntimeError(text.decode())
        if kind == b":":
            return int(text), i
        if kind == b"_":
            return None, i
        if kind in (b"$", b"="):
            n = int(text)
            if n < 0:
                return None, i
            if i + n + 2 > len(self.buf):
                raise IndexError
            return self.buf[i:i + n].decode(), i + n + 2
        if kind in (b"*", b"~"):
            items = []
            for _ in range(int(text)):
                item, i = self.parse(i)
                items.append(item)
            return items, i
        if kind == b"%":
            pairs = []
            for _ in range(int(text)):
                key, i = self.parse(i)
                value, i = self.parse(i)
                pairs.append((key, value))
            return dict(pairs), i
        raise ValueError(kind)


def walk_info(entries):
    for entry in entries:
        yield entry
        yield from walk_info(entry[9])


def key_spec_text(spec):
    """Same rendering as rds_commands::KeySpec::describe()."""
    begin, find = spec["begin_search"], spec["find_keys"]
    bs = begin["spec"]
    if begin["type"] == "index":
        begin_text = "index(%d)" % bs["index"]
    elif begin["type"] == "keyword":
        begin_text = "keyword(%s,%d)" % (bs["keyword"], bs["startfrom"])
    else:
        begin_text = "unknown"
    fs = find["spec"]
    if find["type"] == "range":
        find_text = "range(%d,%d,%d)" % (fs["lastkey"], fs["keystep"], fs["limit"])
    elif find["type"] == "keynum":
        find_text = "keynum(%d,%d,%d)" % (fs["keynumidx"], fs["firstkey"], fs["keystep"])
    else:
        find_text = "unknown"
    text = "%s %s %s" % (",".join(spec["flags"]), begin_text, find_text)
    if "notes" in spec:
        text += ' notes="%s"' % spec["notes"]
    return text


def info_line(entry):
    name, arity, flags, first, last, step, acl, tips, specs = entry[:9]
    fields = [name, str(arity), " ".join(flags), str(first), str(last), str(step), " ".join(acl), " ".join(tips),
              "; ".join(key_spec_text(spec) for spec in specs)]
    return "\t".join(fields)


def walk_docs(docs):
    for name, doc in docs.items():
        yield name, {k: v for k, v in doc.items() if k != "subcommands"}
        if "subcommands" in doc:
            yield from walk_docs(doc["subcommands"])


def write(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(HERE, name), mode) as f:
        f.write(data)


def capture(port, prefix=""):
    conn = Conn(port, 3)
    info = sorted(walk_info(conn.call("COMMAND")), key=lambda e: e[0])
    write(prefix + "command_info.txt", "".join(info_line(e) + "\n" for e in info))
    docs = sorted(walk_docs(conn.call("COMMAND", "DOCS")))
    write(prefix + "command_docs.txt", "".join("%s\t%s\n" % (n, json.dumps(d, separators=(",", ":"))) for n, d in docs))
    if prefix:
        return
    for proto in (2, 3):
        conn = Conn(port, proto)
        write("command_info_sample.resp%d" % proto, conn.raw("COMMAND", "INFO", *SAMPLE))
        write("command_docs_sample.resp%d" % proto, conn.raw("COMMAND", "DOCS", *SAMPLE))


def rust_str(text):
    return json.dumps(text)


def rust_arg(arg, indent):
    kind = arg["type"]
    name = rust_str(arg["name"])
    if kind == "key":
        text = "key(%s, %d)" % (name, arg["key_spec_index"])
    elif kind == "pure-token":
        text = "pure(%s, %s)" % (name, rust_str(arg["token"]))
    elif kind in ("oneof", "block"):
        pad = " " * (indent + 4)
        subs = ",\n".join(pad + rust_arg(sub, indent + 4) for sub in arg["arguments"])
        text = "%s(%s, &[\n%s,\n%s])" % (kind, name, subs, " " * indent)
    else:
        text = "%s(%s)" % (kind.replace("-", "_"), name)
    if "token" in arg and kind != "pure-token":
        text += ".token(%s)" % rust_str(arg["token"])
    if "since" in arg:
        text += ".since(%s)" % rust_str(arg["since"])
    if "deprecated_since" in arg:
        text += ".deprecated_since(%s)" % rust_str(arg["deprecated_since"])
    for flag in arg.get("flags", []):
        text += ".%s()" % flag
    return text


def rust_doc(name, doc):
    complexity = rust_str(doc["complexity"]) if "complexity" in doc else '""'
    text = "    doc(%s, %s, %s, %s)" % (rust_str(name), rust_str(doc["summary"]), rust_str(doc["since"]), complexity)
    for flag in doc.get("doc_flags", []):
        text += ".%s()" % flag
    if "deprecated_since" in doc:
        text += ".deprecated_since(%s)" % rust_str(doc["deprecated_since"])
    if "replaced_by" in doc:
        text += ".replaced_by(%s)" % rust_str(doc["replaced_by"])
    if "history" in doc:
        entries = ["(%s, %s)" % (rust_str(v), rust_str(t)) for v, t in doc["history"]]
        one_line = "\n        .history(&[%s])" % ", ".join(entries)
        if len(one_line) <= 120:
            text += one_line
        else:
            text += "\n        .history(&[\n%s\n        ])" % "\n".join("            %s," % e for e in entries)
    if "arguments" in doc:
        items = [rust_arg(arg, 12) for arg in doc["arguments"]]
        one_line = "\n        .args(&[%s])" % ", ".join(items)
        if "\n" not in one_line[1:] and len(one_line) <= 120:
            text += one_line
        else:
            text += "\n        .args(&[\n%s,\n        ])" % ",\n".join("            " + item for item in items)
    return text + ","


def print_rust_docs(port, names):
    conn = Conn(port, 3)
    docs = dict(walk_docs(conn.call("COMMAND", "DOCS")))
    for name in names:
        print(rust_doc(name, docs[name]))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "--sentinel":
        capture(int(sys.argv[1]), "sentinel_")
    elif len(sys.argv) > 2 and sys.argv[2] == "--rust-docs":
        print_rust_docs(int(sys.argv[1]), sys.argv[3:])
    else:
        capture(int(sys.argv[1]))
