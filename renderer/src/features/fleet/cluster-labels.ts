import { WORLD_PX_AT_Z0, type DroneCluster } from './drone-clusters';

/**
 * Drone counts on the map's clusters, drawn with the 2D canvas API on a canvas laid over the
 * drone overlay. The text uses the system's own font: no glyph PBFs from a network (the
 * basemap works offline, and maplibre symbol layers would need a glyph server).
 */
export class ClusterLabels {
  readonly canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;

  constructor(container: HTMLElement) {
    const canvas = document.createElement('canvas');
    canvas.className = 'cluster-labels';
    canvas.setAttribute('aria-hidden', 'true'); // the drone table is the accessible view
    Object.assign(canvas.style, { position: 'absolute', inset: '0', pointerEvents: 'none' });
    container.appendChild(canvas);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('Canvas 2D is not available for the cluster labels');
    this.canvas = canvas;
    this.#ctx = ctx;
  }

  /** Redraws every cluster's count at its centre (same flat Mercator geometry as the overlay). */
  draw(
    clusters: readonly DroneCluster[],
    center: { x: number; y: number },
    zoom: number,
    size: { width: number; height: number; ratio: number },
  ): void {
    const { width, height, ratio } = size;
    const w = Math.max(1, Math.round(width * ratio));
    const h = Math.max(1, Math.round(height * ratio));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    const ctx = this.#ctx;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.75)';
    ctx.fillStyle = '#fff';
    const px = WORLD_PX_AT_Z0 * 2 ** zoom;
    let total = 0;
    for (const c of clusters) {
      const x = (c.x - center.x) * px + width / 2;
      const y = (c.y - center.y) * px + height / 2;
      const text = String(c.count);
      // A dark halo keeps white digits readable on every cluster colour.
      ctx.strokeText(text, x, y);
      ctx.fillText(text, x, y);
      total += c.count;
    }
    // What was written, for tests and support (a canvas cannot be read by role).
    this.canvas.dataset['clusters'] = String(clusters.length);
    this.canvas.dataset['clustered'] = String(total);
  }

  destroy(): void {
    this.canvas.remove();
  }
}
