"""The map of facilities, drawn on the server as an inline SVG: the facilities
with coordinates as points over the outlines of the countries in view, projected
equirectangularly (longitude scaled by the cosine of the middle latitude). The
outlines are Natural Earth's, vendored in static/places/ (README there), so the
page loads nothing from another host and needs no script.

`write_outlines` rebuilds the vendored file from world-atlas's TopoJSON."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

OUTLINES = Path(__file__).resolve().parent.parent / "static" / "places" / "country-outlines.json"

WIDTH = 720  # the SVG's own units; CSS scales it to the column
MIN_SPAN = 3.0  # degrees: one facility alone still shows its surroundings
PADDING = 0.15  # of the span, on every side
MAX_HEIGHT = 540


# --- the vendored outlines ---------------------------------------------------------


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """A quantized TopoJSON's arcs as lists of (longitude, latitude)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list, indexes: list[int]) -> list[tuple[float, float]]:
    ring: list[tuple[float, float]] = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points[1:] if ring else points)
    return ring


def outlines_from_topojson(topology: dict, digits: int = 2) -> list[dict]:
    """Each country of world-atlas's `countries` object: name, bounding box and
    rings (lists of [longitude, latitude] rounded to `digits`)."""
    arcs = _decode_arcs(topology)
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = []
        for polygon in polygons:
            for indexes in polygon:
                ring = []
                for lon, lat in _ring(arcs, indexes):
                    point = [round(lon, digits), round(lat, digits)]
                    if not ring or ring[-1] != point:
                        ring.append(point)
                if len(ring) >= 4:
                    rings.append(ring)
        if not rings:
            continue
        lons = [p[0] for ring in rings for p in ring]
        lats = [p[1] for ring in rings for p in ring]
        countries.append(
            {
                "name": geometry.get("properties", {}).get("name", ""),
                "bbox": [min(lons), min(lats), max(lons), max(lats)],
                "rings": rings,
            }
        )
    return countries


def write_outlines(topojson_path: str, target: Path = OUTLINES) -> None:
    """Rebuild the vendored outlines from world-atlas's countries-50m.json."""
    with open(topojson_path, encoding="utf-8") as file:
        countries = outlines_from_topojson(json.load(file))
    target.write_text(
        json.dumps({"countries": countries}, separators=(",", ":"), ensure_ascii=False),
        encoding="utf-8",
    )


@lru_cache(maxsize=1)
def country_outlines() -> tuple[dict, ...]:
    """The vendored outlines, read once per process."""
    return tuple(json.loads(OUTLINES.read_text(encoding="utf-8"))["countries"])


# --- drawing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MapPoint:
    slug: str
    name: str
    x: float
    y: float
    held_now: int
    facility: dict  # the row drawn (its link and labels, for the page)


@dataclass(frozen=True)
class FacilityMap:
    width: int
    height: int
    countries: tuple[dict, ...]  # {"name", "path"}
    points: list[MapPoint]


def _bounds(coordinates: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    lons = [lon for lon, _lat in coordinates]
    lats = [lat for _lon, lat in coordinates]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    for low, high, setter in ((west, east, "lon"), (south, north, "lat")):
        span = max(high - low, MIN_SPAN)
        middle = (low + high) / 2
        pad = span * PADDING
        if setter == "lon":
            west, east = middle - span / 2 - pad, middle + span / 2 + pad
        else:
            south, north = middle - span / 2 - pad, middle + span / 2 + pad
    return max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0)


def _clip(ring: list, west: float, south: float, east: float, north: float) -> list:
    """A ring clipped to a rectangle (Sutherland-Hodgman): an outline far beyond
    the view (a large country's whole border) costs nothing in the page."""
    edges = (
        (lambda p: p[0] >= west, lambda a, b: _cut_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _cut_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _cut_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _cut_y(a, b, north)),
    )
    points = ring
    for inside, cut in edges:
        if not points:
            break
        kept = []
        previous = points[-1]
        for point in points:
            if inside(point):
                if not inside(previous):
                    kept.append(cut(previous, point))
                kept.append(point)
            elif inside(previous):
                kept.append(cut(previous, point))
            previous = point
        points = kept
    return points


def _cut_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cut_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


@lru_cache(maxsize=64)
def _country_paths(
    view: tuple[float, float, float, float], stretch: float, scale: float
) -> tuple[dict, ...]:
    """The countries in `view` (west, south, east, north) as SVG paths: clipping
    every outline near the view is most of the map's time, and a list shows the
    same view until its facilities' coordinates or filters change."""
    west, south, east, north = view

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * stretch * scale, (north - lat) * scale

    countries = []
    margin = 1.0  # degrees beyond the view, so clipped edges fall outside the frame
    box = (west - margin, south - margin, east + margin, north + margin)
    for country in country_outlines():
        c_west, c_south, c_east, c_north = country["bbox"]
        if c_east < box[0] or c_west > box[2] or c_north < box[1] or c_south > box[3]:
            continue
        parts = []
        for ring in country["rings"]:
            clipped = _clip(ring, *box)
            if len(clipped) < 3:
                continue
            path, last = [], None
            for lon, lat in clipped:
                x, y = project(lon, lat)
                if last and abs(x - last[0]) < 0.6 and abs(y - last[1]) < 0.6:
                    continue  # under a pixel of the drawing: dropped
                path.append(f"{x:.1f} {y:.1f}")
                last = (x, y)
            if len(path) >= 3:
                parts.append("M" + "L".join(path) + "Z")
        if parts:
            countries.append({"name": country["name"], "path": "".join(parts)})
    return tuple(countries)


def facility_map(facilities: list[dict]) -> FacilityMap | None:
    """The map of `facilities` (dicts with slug, name, latitude, longitude,
    held_now): those with coordinates as points, the countries in view as paths.
    None when no facility has coordinates."""
    placed = [f for f in facilities if f["latitude"] is not None and f["longitude"] is not None]
    if not placed:
        return None
    west, south, east, north = _bounds(
        [(float(f["longitude"]), float(f["latitude"])) for f in placed]
    )
    stretch = math.cos(math.radians((south + north) / 2))
    # a view taller than MAX_HEIGHT at the full width is widened (more longitude)
    # rather than drawn narrower, so the drawing always fills the frame
    wide_enough = (north - south) * WIDTH / MAX_HEIGHT / stretch
    if east - west < wide_enough:
        middle = (west + east) / 2
        west, east = middle - wide_enough / 2, middle + wide_enough / 2
    scale = WIDTH / ((east - west) * stretch)
    height = round((north - south) * scale)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * stretch * scale, (north - lat) * scale

    countries = _country_paths((west, south, east, north), stretch, scale)
    points = []
    for f in placed:
        x, y = project(float(f["longitude"]), float(f["latitude"]))
        points.append(
            MapPoint(f["slug"], f["name"], round(x, 1), round(y, 1), f["held_now"], facility=f)
        )
    return FacilityMap(WIDTH, height, countries, points)
