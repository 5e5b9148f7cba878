#!/usr/bin/env python3
"""nn/preprocess against OpenCV, through the pp_dump driver.

Resizing is compared on float32 pictures (cv2.resize INTER_LINEAR and
INTER_AREA), where OpenCV does no 8-bit rounding: they must agree within
1e-4 (output units, scale 1/255). Colour conversion is compared with
cv2.cvtColor, which rounds to 8 bits with fixed-point coefficients: within
1.5 levels.

    test_opencv.py PATH/TO/pp_dump
"""
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

DUMP = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="pp-opencv-")
failures = 0
checks = 0


def run(fmt, w, h, planes, ow, oh, color="RGB", mode="stretch",
        interp="bilinear", matrix="601", full=0, roi=None):
    src = os.path.join(TMP, "in.raw")
    dst = os.path.join(TMP, "out.raw")
    with open(src, "wb") as f:
        for p in planes:
            f.write(np.ascontiguousarray(p, dtype=np.uint8).tobytes())
    args = [DUMP, fmt, str(w), str(h), str(ow), str(oh), color, mode,
            interp, matrix, str(full), src, dst]
    if roi:
        args += [str(v) for v in roi]
    res = subprocess.run(args, capture_output=True, text=True, check=True)
    c = 1 if color == "GRAY" else 3
    out = np.fromfile(dst, dtype=np.float32).reshape(c, oh, ow)
    return out, [int(v) for v in res.stdout.split()]


def check(what, ours, theirs, tol):
    global failures, checks
    checks += 1
    d = float(np.max(np.abs(ours.astype(np.float64) - theirs)))
    if not d <= tol:
        failures += 1
        print(f"FAIL {what}: max |diff| {d:.3g} > {tol:.3g}")


def chw(img):
    return img.transpose(2, 0, 1) if img.ndim == 3 else img[None]


rng = np.random.default_rng(7)

# Resizing: random RGB, float32 through OpenCV.
for (w, h) in [(97, 61), (640, 480), (33, 200), (1921, 1081)]:
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    f32 = rgb.astype(np.float32)
    for (ow, oh) in [(224, 224), (28, 28), (50, 20), (300, 150), (7, 300)]:
        ours, _ = run("RGB", w, h, [rgb], ow, oh)
        ref = cv2.resize(f32, (ow, oh), interpolation=cv2.INTER_LINEAR)
        check(f"bilinear {w}x{h}->{ow}x{oh}", ours, chw(ref) / 255, 1e-4)
        # OpenCV's INTER_AREA is a box filter when both axes shrink. When
        # they grow it computes the box edges in float and, where an edge
        # falls exactly on a source pixel edge, can take the wrong pixel
        # (33x200 -> 224x224, row 140): the C reference covers that case.
        if ow <= w and oh <= h:
            ours, _ = run("RGB", w, h, [rgb], ow, oh, interp="area")
            ref = cv2.resize(f32, (ow, oh), interpolation=cv2.INTER_AREA)
            check(f"area {w}x{h}->{ow}x{oh}", ours, chw(ref) / 255, 1e-4)

# Letterbox, centre crop and regions: crop, resize, pad by hand.
rgb = rng.integers(0, 256, (91, 160, 3), dtype=np.uint8)
for roi in [None, (10, 5, 100, 60), (-8, 70, 60, 40), (150, 0, 30, 91)]:
    x0, y0, x1, y1 = 0, 0, 160, 91
    if roi:
        x0, y0 = max(roi[0], 0), max(roi[1], 0)
        x1, y1 = min(roi[0] + roi[2], 160), min(roi[1] + roi[3], 91)
    crop = rgb[y0:y1, x0:x1].astype(np.float32)
    for (ow, oh) in [(64, 64), (40, 70)]:
        for interp, cvi in [("bilinear", cv2.INTER_LINEAR),
                            ("area", cv2.INTER_AREA)]:
            if cvi == cv2.INTER_AREA and (ow > crop.shape[1]
                                          or oh > crop.shape[0]):
                continue
            ours, (px, py, pw, ph) = run("RGB", 160, 91, [rgb], ow, oh,
                                         mode="letterbox", interp=interp,
                                         roi=roi)
            exp = np.zeros((oh, ow, 3), np.float32)
            exp[py:py + ph, px:px + pw] = cv2.resize(crop, (pw, ph),
                                                     interpolation=cvi)
            check(f"letterbox roi {roi} {ow}x{oh} {interp}", ours,
                  chw(exp) / 255, 1e-4)
            if (cw := crop.shape[1]) * oh > (ch := crop.shape[0]) * ow:
                k = int(ch * ow / oh + 0.5)
                cc = crop[:, (cw - k) // 2:(cw - k) // 2 + k]
            else:
                k = int(cw * oh / ow + 0.5)
                cc = crop[(ch - k) // 2:(ch - k) // 2 + k]
            ours, _ = run("RGB", 160, 91, [rgb], ow, oh, mode="center-crop",
                          interp=interp, roi=roi)
            if cvi != cv2.INTER_AREA or (ow <= cc.shape[1]
                                         and oh <= cc.shape[0]):
                exp = cv2.resize(cc, (ow, oh), interpolation=cvi)
                check(f"center-crop roi {roi} {ow}x{oh} {interp}", ours,
                      chw(exp) / 255, 1e-4)

# Colour conversion at 1:1 against cvtColor (BT.601, limited range).
w, h = 64, 36
yuv420 = rng.integers(16, 236, (h * 3 // 2, w), dtype=np.uint8)
y = yuv420[:h]
u = yuv420[h:h + h // 4].reshape(h // 2, w // 2)
v = yuv420[h + h // 4:].reshape(h // 2, w // 2)
uv = np.stack([u, v], axis=-1).reshape(h // 2, w)
vu = np.stack([v, u], axis=-1).reshape(h // 2, w)
cases = [
    ("I420", [y, u, v], cv2.COLOR_YUV2RGB_I420,
     np.vstack([y, u.reshape(-1, w), v.reshape(-1, w)])),
    ("YV12", [y, v, u], cv2.COLOR_YUV2RGB_YV12,
     np.vstack([y, v.reshape(-1, w), u.reshape(-1, w)])),
    ("NV12", [y, uv], cv2.COLOR_YUV2RGB_NV12, np.vstack([y, uv])),
    ("NV21", [y, vu], cv2.COLOR_YUV2RGB_NV21, np.vstack([y, vu])),
]
yuy2 = np.empty((h, w * 2), np.uint8)
yuy2[:, 0::2] = y
yuy2[:, 1::4] = np.repeat(u, 2, axis=0)
yuy2[:, 3::4] = np.repeat(v, 2, axis=0)
uyvy = np.empty_like(yuy2)
uyvy[:, 1::2] = y
uyvy[:, 0::4] = np.repeat(u, 2, axis=0)
uyvy[:, 2::4] = np.repeat(v, 2, axis=0)
cases += [("YUY2", [yuy2], cv2.COLOR_YUV2RGB_YUY2, yuy2.reshape(h, w, 2)),
          ("UYVY", [uyvy], cv2.COLOR_YUV2RGB_UYVY, uyvy.reshape(h, w, 2))]
for name, planes, code, packed in cases:
    ref = cv2.cvtColor(packed, code).astype(np.float64)
    ours, _ = run(name, w, h, planes, w, h)
    check(f"{name} -> RGB vs cvtColor", ours * 255, chw(ref), 1.5)
    ours, _ = run(name, w, h, planes, w, h, color="BGR")
    check(f"{name} -> BGR vs cvtColor", ours * 255, chw(ref[..., ::-1]), 1.5)
    # and the whole pipeline: cvtColor to 8 bits, then resize
    ours, _ = run(name, w, h, planes, 24, 20)
    exp = cv2.resize(ref.astype(np.float32), (24, 20),
                     interpolation=cv2.INTER_LINEAR)
    check(f"{name} -> 24x20 RGB vs cvtColor+resize", ours * 255, chw(exp), 1.5)

# Packed RGB orders and gray.
rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
alpha = rng.integers(0, 256, (h, w, 1), dtype=np.uint8)
for name, order in [("RGB", "RGB"), ("BGR", "BGR"), ("RGBA", "RGBA"),
                    ("BGRA", "BGRA"), ("RGBx", "RGBA"), ("BGRx", "BGRA"),
                    ("xRGB", "ARGB"), ("xBGR", "ABGR"), ("ARGB", "ARGB"),
                    ("ABGR", "ABGR")]:
    chans = {"R": rgb[..., 0:1], "G": rgb[..., 1:2], "B": rgb[..., 2:3],
             "A": alpha}
    packed = np.concatenate([chans[c] for c in order], axis=-1)
    ours, _ = run(name, w, h, [packed], w, h)
    check(f"{name} -> RGB", ours * 255, chw(rgb), 1e-3)
    ours, _ = run(name, w, h, [packed], w, h, color="GRAY")
    check(f"{name} -> GRAY vs cvtColor", ours * 255,
          cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[None], 1.0)

print(f"{checks} checks, {failures} failures")
sys.exit(1 if failures else 0)
