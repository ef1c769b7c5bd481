"""Reads a safetensors file with the standard library only and prints its tensors as JSON.

Usage: read_safetensors.py <file>. The format: the header's length (8 bytes, little-endian), the JSON header (for
each tensor its dtype, shape and data_offsets into the data that follows), then the data, row-major, little-endian.
Prints {"metadata": {...}, "tensors": {name: {"dtype", "shape", "values"}}}, values flattened, exactly as stored.
"""
import json
import struct
import sys

FORMATS = {"F64": "d", "F32": "f", "I64": "q", "I32": "i", "I16": "h", "I8": "b", "U8": "B", "BOOL": "?"}

with open(sys.argv[1], "rb") as f:
    blob = f.read()
(length,) = struct.unpack_from("<Q", blob, 0)
header = json.loads(blob[8:8 + length].decode("utf-8"))
data = blob[8 + length:]
tensors = {}
for name, entry in header.items():
    if name == "__metadata__":
        continue
    begin, end = entry["data_offsets"]
    code = FORMATS[entry["dtype"]]
    count = (end - begin) // struct.calcsize(code)
    tensors[name] = {
        "dtype": entry["dtype"],
        "shape": entry["shape"],
        "values": list(struct.unpack_from("<%d%s" % (count, code), data, begin)),
    }
json.dump({"metadata": header.get("__metadata__", {}), "tensors": tensors}, sys.stdout)
