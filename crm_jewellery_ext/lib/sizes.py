"""Ring, bracelet and necklace sizes: plain Python, no Odoo.

The canonical measure of a ring size is the inner circumference in
millimetres (ISO 8653). Every other scale is converted from it:

- EU (ISO 8653) size = inner circumference in mm.
- US/Canada sizes (ANSI/ASME B89.1.12M): inner diameter =
  11.63 mm + 0.8128 mm per size; the table lists the quarter sizes 3 to 13.
- Hong Kong sizes (港度) follow the Japanese JIS table: size 1 has an inner
  diameter of 13.0 mm and each size adds 1/3 mm of diameter (about 1.05 mm
  of circumference); the table lists sizes 1 to 30.
"""

US_SIZE_CIRCUMFERENCE = {
    3.0: 44.2,
    3.25: 44.8,
    3.5: 45.5,
    3.75: 46.1,
    4.0: 46.8,
    4.25: 47.4,
    4.5: 48.0,
    4.75: 48.7,
    5.0: 49.3,
    5.25: 49.9,
    5.5: 50.6,
    5.75: 51.2,
    6.0: 51.9,
    6.25: 52.5,
    6.5: 53.1,
    6.75: 53.8,
    7.0: 54.4,
    7.25: 55.0,
    7.5: 55.7,
    7.75: 56.3,
    8.0: 57.0,
    8.25: 57.6,
    8.5: 58.2,
    8.75: 58.9,
    9.0: 59.5,
    9.25: 60.2,
    9.5: 60.8,
    9.75: 61.4,
    10.0: 62.1,
    10.25: 62.7,
    10.5: 63.3,
    10.75: 64.0,
    11.0: 64.6,
    11.25: 65.3,
    11.5: 65.9,
    11.75: 66.5,
    12.0: 67.2,
    12.25: 67.8,
    12.5: 68.5,
    12.75: 69.1,
    13.0: 69.7,
}

HK_SIZE_CIRCUMFERENCE = {
    1: 40.8,  # inner diameter 13.00 mm
    2: 41.9,  # inner diameter 13.33 mm
    3: 42.9,  # inner diameter 13.67 mm
    4: 44.0,  # inner diameter 14.00 mm
    5: 45.0,  # inner diameter 14.33 mm
    6: 46.1,  # inner diameter 14.67 mm
    7: 47.1,  # inner diameter 15.00 mm
    8: 48.2,  # inner diameter 15.33 mm
    9: 49.2,  # inner diameter 15.67 mm
    10: 50.3,  # inner diameter 16.00 mm
    11: 51.3,  # inner diameter 16.33 mm
    12: 52.4,  # inner diameter 16.67 mm
    13: 53.4,  # inner diameter 17.00 mm
    14: 54.5,  # inner diameter 17.33 mm
    15: 55.5,  # inner diameter 17.67 mm
    16: 56.5,  # inner diameter 18.00 mm
    17: 57.6,  # inner diameter 18.33 mm
    18: 58.6,  # inner diameter 18.67 mm
    19: 59.7,  # inner diameter 19.00 mm
    20: 60.7,  # inner diameter 19.33 mm
    21: 61.8,  # inner diameter 19.67 mm
    22: 62.8,  # inner diameter 20.00 mm
    23: 63.9,  # inner diameter 20.33 mm
    24: 64.9,  # inner diameter 20.67 mm
    25: 66.0,  # inner diameter 21.00 mm
    26: 67.0,  # inner diameter 21.33 mm
    27: 68.1,  # inner diameter 21.67 mm
    28: 69.1,  # inner diameter 22.00 mm
    29: 70.2,  # inner diameter 22.33 mm
    30: 71.2,  # inner diameter 22.67 mm
}

# The smallest and largest circumference (mm) accepted as a ring size.
MIN_CIRCUMFERENCE = 38.0
MAX_CIRCUMFERENCE = 76.0

BIRTHSTONES = {
    1: "garnet",
    2: "amethyst",
    3: "aquamarine",
    4: "diamond",
    5: "emerald",
    6: "pearl",
    7: "ruby",
    8: "peridot",
    9: "sapphire",
    10: "opal",
    11: "topaz",
    12: "turquoise",
}


class SizeError(ValueError):
    """A size outside the published tables."""


def _nearest(table, circumference):
    if circumference is None or not (MIN_CIRCUMFERENCE <= circumference <= MAX_CIRCUMFERENCE):
        return None
    size, mm = min(table.items(), key=lambda item: (abs(item[1] - circumference), item[0]))
    # beyond half a step from the ends of the table, there is no such size
    step = 1.1
    if abs(mm - circumference) > step:
        return None
    return size


def check_circumference(circumference):
    if not MIN_CIRCUMFERENCE <= circumference <= MAX_CIRCUMFERENCE:
        raise SizeError(
            f"A ring circumference must be between {MIN_CIRCUMFERENCE} and "
            f"{MAX_CIRCUMFERENCE} mm, not {circumference}."
        )
    return round(circumference, 1)


def us_to_circumference(size):
    """Inner circumference (mm) of a US size given in quarter sizes 3 to 13."""
    quarter = round(size * 4) / 4
    if abs(quarter - size) > 1e-6 or quarter not in US_SIZE_CIRCUMFERENCE:
        raise SizeError(f"US ring sizes go from 3 to 13 in quarter sizes, not {size}.")
    return US_SIZE_CIRCUMFERENCE[quarter]


def circumference_to_us(circumference):
    """Nearest US quarter size, or None outside 3 to 13."""
    return _nearest(US_SIZE_CIRCUMFERENCE, circumference)


def hk_to_circumference(size):
    """Inner circumference (mm) of a Hong Kong size 1 to 30."""
    if size != int(size) or int(size) not in HK_SIZE_CIRCUMFERENCE:
        raise SizeError(f"Hong Kong ring sizes go from 1 to 30, not {size}.")
    return HK_SIZE_CIRCUMFERENCE[int(size)]


def circumference_to_hk(circumference):
    """Nearest Hong Kong size, or None outside 1 to 30."""
    return _nearest(HK_SIZE_CIRCUMFERENCE, circumference)


def eu_to_circumference(size):
    return check_circumference(float(size))


def circumference_to_eu(circumference):
    """EU size: the circumference rounded to the half millimetre."""
    if circumference is None or not (MIN_CIRCUMFERENCE <= circumference <= MAX_CIRCUMFERENCE):
        return None
    return round(circumference * 2) / 2


def birthstone(month):
    """Birthstone code of a month 1-12 (None when unknown)."""
    return BIRTHSTONES.get(month or 0)
