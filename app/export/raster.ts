/**
 * From SVG text to pixels: the browser decodes the standalone SVG (stage-svg.ts) as an image and
 * draws it on a canvas. The SVG holds no external reference (styles are inlined, fonts are the
 * system's), so the canvas stays untainted and can be read back as a PNG or captured as video.
 */

/** The SVG text decoded as an image, ready to draw. */
export async function svgImage(svgText: string): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** A canvas's content as a PNG file. */
export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('the canvas could not be encoded as PNG'))),
      'image/png',
    ),
  );
}

/**
 * The SVG as a PNG of `width` x `height` pixels. The SVG should already be that size (its
 * width/height scaled, its viewBox not), so the browser rasterises the vectors at the final
 * resolution rather than enlarging a smaller bitmap.
 */
export async function svgPng(svgText: string, width: number, height: number): Promise<Blob> {
  const img = await svgImage(svgText);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gives no 2D canvas');
  ctx.drawImage(img, 0, 0, width, height);
  return canvasPng(canvas);
}
