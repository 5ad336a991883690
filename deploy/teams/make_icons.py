"""Regenerate the Teams app icons (needs Pillow): color.png 192x192, outline.png 32x32 (white on
transparent, as Teams requires). Run: python deploy/teams/make_icons.py"""

from pathlib import Path

from PIL import Image, ImageDraw

# beside the manifest, in the package `policybot teams package` reads them from
HERE = Path(__file__).resolve().parents[2] / "handlers" / "teams" / "app_template"
ACCENT = (31, 78, 121, 255)  # manifest accentColor #1F4E79
WHITE = (255, 255, 255, 255)


def book(draw: ImageDraw.ImageDraw, size: int, colour, width: int) -> None:
    """An open book: two pages and a spine, drawn to scale."""
    s = size / 32
    left = [(4 * s, 8 * s), (15 * s, 10 * s), (15 * s, 26 * s), (4 * s, 24 * s)]
    right = [(17 * s, 10 * s), (28 * s, 8 * s), (28 * s, 24 * s), (17 * s, 26 * s)]
    draw.polygon(left, outline=colour, width=width)
    draw.polygon(right, outline=colour, width=width)
    for y in (14, 18):
        draw.line([(7 * s, y * s), (12 * s, (y + 0.6) * s)], fill=colour, width=width)
        draw.line([(20 * s, (y + 0.6) * s), (25 * s, y * s)], fill=colour, width=width)


def main() -> None:
    colour = Image.new("RGBA", (192, 192), ACCENT)
    book(ImageDraw.Draw(colour), 192, WHITE, 8)
    colour.save(HERE / "color.png", optimize=True)
    outline = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    book(ImageDraw.Draw(outline), 32, WHITE, 2)
    outline.save(HERE / "outline.png", optimize=True)


if __name__ == "__main__":
    main()
