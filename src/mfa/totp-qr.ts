/**
 * A QR code of `text` as a `data:` SVG image, drawn on the server (the pages run no script):
 * black on white in dark mode too, since that is what cameras read best.
 */
export async function qrCodeImage(text: string): Promise<string> {
  const { toString } = await import('qrcode');
  const svg = await toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
