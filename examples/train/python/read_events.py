#!/usr/bin/env python3
"""Reads TensorBoard event files without TensorFlow or TensorBoard, and checks them.

    python3 read_events.py runs/<name>/events.out.tfevents.*      # prints one JSON line per event
    python3 read_events.py --summary runs/<name>                   # tags, steps and images per file
    python3 read_events.py --images OUT runs/<name>                # also saves each image as
                                                                   # OUT/<tag>_<step>.png

Each record's framing is checked: the masked CRC-32C of its length and of its data (crcmod's
crc-32c). The records are parsed as TensorFlow's `Event` protocol buffer, built here from its
field numbers with google.protobuf (descriptor_pb2 + message_factory), so this script is an
independent reader of what patchfx writes. Images are decoded with Pillow when it is installed.

Needs: python3-protobuf and python3-crcmod (Debian) or `pip install protobuf crcmod`,
optionally Pillow. Exit status 1 with a message naming the file and the byte offset when a
record is cut short or fails its CRC.
"""
import io
import json
import os
import struct
import sys

import crcmod.predefined
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_crc32c = crcmod.predefined.mkCrcFun("crc-32c")


def masked_crc(data):
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _event_class():
    """tensorflow.Event with Summary (simple_value, image) and SessionLog, by field number."""
    f = descriptor_pb2.FileDescriptorProto(name="tb_event_subset.proto", package="tensorflow", syntax="proto3")
    T = descriptor_pb2.FieldDescriptorProto

    def field(msg, name, number, ftype, type_name=None, repeated=False, oneof=None):
        fd = msg.field.add(name=name, number=number, type=ftype)
        fd.label = T.LABEL_REPEATED if repeated else T.LABEL_OPTIONAL
        if type_name:
            fd.type_name = type_name
        if oneof is not None:
            fd.oneof_index = oneof

    summary = f.message_type.add(name="Summary")
    image = summary.nested_type.add(name="Image")
    field(image, "height", 1, T.TYPE_INT32)
    field(image, "width", 2, T.TYPE_INT32)
    field(image, "colorspace", 3, T.TYPE_INT32)
    field(image, "encoded_image_string", 4, T.TYPE_BYTES)
    value = summary.nested_type.add(name="Value")
    value.oneof_decl.add(name="value")
    field(value, "tag", 1, T.TYPE_STRING)
    field(value, "simple_value", 2, T.TYPE_FLOAT, oneof=0)
    field(value, "image", 4, T.TYPE_MESSAGE, ".tensorflow.Summary.Image", oneof=0)
    field(summary, "value", 1, T.TYPE_MESSAGE, ".tensorflow.Summary.Value", repeated=True)

    session_log = f.message_type.add(name="SessionLog")
    status = session_log.enum_type.add(name="SessionStatus")
    for i, n in enumerate(["STATUS_UNSPECIFIED", "START", "STOP", "CHECKPOINT"]):
        status.value.add(name=n, number=i)
    field(session_log, "status", 1, T.TYPE_ENUM, ".tensorflow.SessionLog.SessionStatus")
    field(session_log, "checkpoint_path", 2, T.TYPE_STRING)
    field(session_log, "msg", 3, T.TYPE_STRING)

    event = f.message_type.add(name="Event")
    event.oneof_decl.add(name="what")
    field(event, "wall_time", 1, T.TYPE_DOUBLE)
    field(event, "step", 2, T.TYPE_INT64)
    field(event, "file_version", 3, T.TYPE_STRING, oneof=0)
    field(event, "summary", 5, T.TYPE_MESSAGE, ".tensorflow.Summary", oneof=0)
    field(event, "session_log", 7, T.TYPE_MESSAGE, ".tensorflow.SessionLog", oneof=0)

    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    desc = pool.FindMessageTypeByName("tensorflow.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


Event = _event_class()


class BadRecord(Exception):
    pass


def read_records(path):
    """Yields (offset, data) of each record of a TFRecord file, checking both CRCs."""
    with open(path, "rb") as fh:
        buf = fh.read()
    off = 0
    while off < len(buf):
        if off + 12 > len(buf):
            raise BadRecord("%s: record header cut short at byte %d" % (path, off))
        (length,) = struct.unpack("<Q", buf[off : off + 8])
        (len_crc,) = struct.unpack("<I", buf[off + 8 : off + 12])
        if masked_crc(buf[off : off + 8]) != len_crc:
            raise BadRecord("%s: length CRC mismatch at byte %d" % (path, off))
        end = off + 12 + length + 4
        if end > len(buf):
            raise BadRecord("%s: record data cut short at byte %d" % (path, off))
        data = buf[off + 12 : off + 12 + length]
        (data_crc,) = struct.unpack("<I", buf[off + 12 + length : end])
        if masked_crc(data) != data_crc:
            raise BadRecord("%s: data CRC mismatch at byte %d" % (path, off))
        yield off, data
        off = end


def decode_image(png):
    try:
        from PIL import Image
    except ImportError:
        return None
    im = Image.open(io.BytesIO(png))
    im.load()
    return {"format": im.format, "mode": im.mode, "size": list(im.size)}


def read_events(path, image_dir=None):
    """The events of one file as plain dicts (images also saved in image_dir when given)."""
    out = []
    for off, data in read_records(path):
        ev = Event()
        ev.ParseFromString(data)
        rec = {"offset": off, "wall_time": ev.wall_time, "step": ev.step}
        kind = ev.WhichOneof("what")
        if kind == "file_version":
            rec["file_version"] = ev.file_version
        elif kind == "session_log":
            rec["session_log"] = ev.session_log.SessionStatus.Name(ev.session_log.status)
        elif kind == "summary":
            values = []
            for v in ev.summary.value:
                which = v.WhichOneof("value")
                if which == "simple_value":
                    values.append({"tag": v.tag, "simple_value": v.simple_value})
                elif which == "image":
                    img = v.image
                    if image_dir:
                        name = "%s_%d.png" % (v.tag.replace("/", "_"), ev.step)
                        with open(os.path.join(image_dir, name), "wb") as fh:
                            fh.write(img.encoded_image_string)
                    values.append(
                        {
                            "tag": v.tag,
                            "image": {
                                "height": img.height,
                                "width": img.width,
                                "colorspace": img.colorspace,
                                "bytes": len(img.encoded_image_string),
                                "decoded": decode_image(img.encoded_image_string),
                            },
                        }
                    )
                else:
                    values.append({"tag": v.tag, "other": which})
            rec["values"] = values
        out.append(rec)
    return out


def event_files(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, n) for n in os.listdir(p) if "tfevents" in n)
        else:
            files.append(p)
    return files


def main(argv):
    args = list(argv)
    summary = "--summary" in args
    if summary:
        args.remove("--summary")
    image_dir = None
    if "--images" in args:
        i = args.index("--images")
        if i + 1 >= len(args):
            print("read_events.py: --images needs a folder", file=sys.stderr)
            return 1
        image_dir = args[i + 1]
        del args[i : i + 2]
        os.makedirs(image_dir, exist_ok=True)
    if not args or "-h" in args or "--help" in args:
        print(__doc__.strip())
        return 0 if args else 1
    try:
        for path in event_files(args):
            events = read_events(path, image_dir)
            if summary:
                tags = {}
                for e in events:
                    for v in e.get("values", []):
                        tags.setdefault(v["tag"], []).append(e["step"])
                print(json.dumps({"file": path, "events": len(events), "tags": tags}))
            else:
                for e in events:
                    print(json.dumps(dict(e, file=path)))
    except (BadRecord, OSError) as e:
        print("read_events.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
