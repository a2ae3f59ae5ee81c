import type { Map as MaplibreMap } from 'maplibre-gl';
import { ClusterLabels } from './cluster-labels';
import {
  WORLD_PX_AT_Z0,
  clusterDrones,
  clusterRadiusPx,
  toMercator,
  type ClusteredFleet,
  type PlacedDrone,
} from './drone-clusters';

/** What the layer draws each drone with; the fleet model decides the colours. */
export interface DroneStyle {
  /** Fill as straight (not premultiplied) RGBA, 0..1. */
  readonly fill: readonly [number, number, number, number];
  readonly opacity: number;
}

/** A drone as the layer draws it: placed in Mercator, with its style. */
export interface DrawableDrone extends PlacedDrone {
  readonly style: DroneStyle;
}

/** Where the layer reads the fleet from when it has changed (the DroneLayer). */
export interface DroneFrameSource {
  /** Increases whenever anything drawn may have changed. */
  readonly version: number;
  /** Fills `into` (cleared first) with the drones that pass the filters; reused between frames. */
  collectVisible(into: DrawableDrone[]): void;
  readonly selectedId: string | null;
  clusterFill(maxSeverity: number): readonly [number, number, number, number];
}

export type DroneHit =
  { readonly kind: 'drone'; readonly id: string } | { readonly kind: 'cluster' };

const DRONE_RADIUS_PX = 6;
const SELECTED_RADIUS_PX = 11;
const WHITE = [1, 1, 1] as const;
const INK = [0.11, 0.11, 0.11] as const;

// Per point: x, y (Mercator), radius, stroke width, fill rgba, stroke rgba (premultiplied).
const FLOATS_PER_POINT = 12;

// a_pos is Mercator relative to the frame's origin (float32 keeps sub-pixel precision
// for small offsets); u_center is the view centre relative to the same origin.
const VERTEX = `#version 300 es
uniform vec2 u_center;
uniform float u_world_px;   // CSS px per Mercator unit at the current zoom
uniform vec2 u_viewport;    // CSS px
uniform float u_pixel_ratio;
in vec2 a_pos;
in vec2 a_size;      // radius, stroke width (CSS px)
in vec4 a_fill;
in vec4 a_stroke;
out vec4 v_fill;
out vec4 v_stroke;
out vec3 v_shape;    // radius, stroke width, point size (device px)
void main() {
  vec2 screen = (a_pos - u_center) * u_world_px;  // CSS px from the view centre, y down
  gl_Position = vec4(screen.x * 2.0 / u_viewport.x, -screen.y * 2.0 / u_viewport.y, 0.0, 1.0);
  float size = (a_size.x + a_size.y + 1.0) * 2.0 * u_pixel_ratio;
  gl_PointSize = size;
  v_fill = a_fill;
  v_stroke = a_stroke;
  v_shape = vec3(a_size * u_pixel_ratio, size);
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
in vec4 v_fill;
in vec4 v_stroke;
in vec3 v_shape;
out vec4 color;
void main() {
  float d = length(gl_PointCoord - 0.5) * v_shape.z;
  float outer = v_shape.x + v_shape.y;
  float inside = 1.0 - smoothstep(outer - 1.0, outer, d);
  float fill = 1.0 - smoothstep(v_shape.x - 1.0, v_shape.x, d);
  color = mix(v_stroke, v_fill, fill) * inside;  // premultiplied alpha
}`;

/**
 * Draws the fleet (drones, clusters, the selected ring) as one WebGL point batch
 * on its own canvas laid over the map (as deck.gl's overlaid mode does). A
 * telemetry batch costs a re-cluster, one buffer upload and one draw of this
 * canvas — not a GeoJSON round trip through maplibre's worker, a reload of
 * every drone tile and a repaint of the whole map (bench/results/map.md). When
 * the camera moves, the overlay redraws inside maplibre's own frame ('render'),
 * so both stay in step. Needs a north-up, unpitched Mercator map: createFleetMap
 * turns rotation and pitch off, and hit testing uses the same flat geometry.
 */
export class DroneOverlay {
  readonly canvas: HTMLCanvasElement;
  readonly #gl: WebGL2RenderingContext;
  readonly #program: WebGLProgram;
  readonly #vao: WebGLVertexArrayObject;
  readonly #buffer: WebGLBuffer;
  readonly #uniforms: Record<
    'center' | 'world' | 'viewport' | 'ratio',
    WebGLUniformLocation | null
  >;
  #data = new Float32Array(FLOATS_PER_POINT * 256);
  #count = 0;
  /** Mercator origin of the uploaded positions (float64 here, so float32 offsets stay exact). */
  #origin = { x: 0, y: 0 };
  #builtVersion = -1;
  #builtZoom = Number.NaN;
  #builtSelected: string | null = null;
  #frame: ClusteredFleet<DrawableDrone> = { singles: [], clusters: [] };
  readonly #visible: DrawableDrone[] = [];
  #scheduled: number | null = null;
  readonly #onRender = (): void => this.#draw();
  readonly #labels: ClusterLabels;
  /** Called after every draw of the overlay (tests and the benchmark wait for it). */
  onDrawn: (() => void) | null = null;

  constructor(
    private readonly map: MaplibreMap,
    private readonly source: DroneFrameSource,
  ) {
    const canvas = document.createElement('canvas');
    canvas.className = 'drone-overlay';
    canvas.setAttribute('aria-hidden', 'true'); // the drone table is the accessible view
    Object.assign(canvas.style, { position: 'absolute', inset: '0', pointerEvents: 'none' });
    // Above the map's canvas, below its markers (depot labels) and controls.
    map.getCanvasContainer().appendChild(canvas);
    this.#labels = new ClusterLabels(map.getCanvasContainer());
    const gl = canvas.getContext('webgl2', { premultipliedAlpha: true, antialias: false });
    if (!gl) throw new Error('WebGL2 is not available for the drone overlay');
    this.canvas = canvas;
    this.#gl = gl;
    const program = linkProgram(gl);
    this.#program = program;
    this.#uniforms = {
      center: gl.getUniformLocation(program, 'u_center'),
      world: gl.getUniformLocation(program, 'u_world_px'),
      viewport: gl.getUniformLocation(program, 'u_viewport'),
      ratio: gl.getUniformLocation(program, 'u_pixel_ratio'),
    };
    const buffer = gl.createBuffer();
    const vao = gl.createVertexArray();
    this.#buffer = buffer;
    this.#vao = vao;
    gl.bindVertexArray(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    const stride = FLOATS_PER_POINT * 4;
    const attribute = (name: string, size: number, offset: number) => {
      const at = gl.getAttribLocation(program, name);
      gl.enableVertexAttribArray(at);
      gl.vertexAttribPointer(at, size, gl.FLOAT, false, stride, offset * 4);
    };
    attribute('a_pos', 2, 0);
    attribute('a_size', 2, 2);
    attribute('a_fill', 4, 4);
    attribute('a_stroke', 4, 8);
    gl.bindVertexArray(null);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    map.on('render', this.#onRender);
    this.changed();
  }

  /** The fleet changed: draw it in the next animation frame (coalesced). */
  changed(): void {
    if (this.#scheduled !== null) return;
    this.#scheduled = requestAnimationFrame(() => {
      this.#scheduled = null;
      this.#draw();
    });
  }

  /** What was drawn last (tests, the benchmark, the view's counts). */
  drawn(): ClusteredFleet<DrawableDrone> {
    return this.#frame;
  }

  /** The source version the last frame was built from. */
  get drawnVersion(): number {
    return this.#builtVersion;
  }

  destroy(): void {
    if (this.#scheduled !== null) cancelAnimationFrame(this.#scheduled);
    this.map.off('render', this.#onRender);
    const gl = this.#gl;
    gl.deleteBuffer(this.#buffer);
    gl.deleteVertexArray(this.#vao);
    gl.deleteProgram(this.#program);
    this.canvas.remove();
    this.#labels.destroy();
  }

  #draw(): void {
    const gl = this.#gl;
    const map = this.map;
    const ratio = window.devicePixelRatio || 1;
    const { clientWidth: width, clientHeight: height } = map.getContainer();
    const w = Math.max(1, Math.round(width * ratio));
    const h = Math.max(1, Math.round(height * ratio));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    const zoom = map.getZoom();
    const s = this.source;
    if (
      s.version !== this.#builtVersion ||
      Math.floor(zoom) !== this.#builtZoom ||
      s.selectedId !== this.#builtSelected
    ) {
      this.#build(Math.floor(zoom));
      gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffer);
      gl.bufferData(
        gl.ARRAY_BUFFER,
        this.#data.subarray(0, this.#count * FLOATS_PER_POINT),
        gl.DYNAMIC_DRAW,
      );
    }
    const center = map.getCenter();
    const c = toMercator(center.lng, center.lat);
    gl.viewport(0, 0, w, h);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (this.#count > 0) this.#drawPoints(c, zoom, width, height, ratio);
    this.#labels.draw(this.#frame.clusters, c, zoom, { width, height, ratio });
    this.onDrawn?.();
  }

  #drawPoints(
    c: { x: number; y: number },
    zoom: number,
    width: number,
    height: number,
    ratio: number,
  ): void {
    const gl = this.#gl;
    gl.useProgram(this.#program);
    gl.uniform2f(this.#uniforms.center, c.x - this.#origin.x, c.y - this.#origin.y);
    gl.uniform1f(this.#uniforms.world, WORLD_PX_AT_Z0 * 2 ** zoom);
    gl.uniform2f(this.#uniforms.viewport, width, height);
    gl.uniform1f(this.#uniforms.ratio, ratio);
    gl.bindVertexArray(this.#vao);
    gl.drawArrays(gl.POINTS, 0, this.#count);
    gl.bindVertexArray(null);
  }

  /**
   * The drone or cluster under a screen point (CSS px), nearest first; null when
   * none is within its drawn radius (plus a few pixels of slack for fingers).
   */
  hitTest(point: { x: number; y: number }): DroneHit | null {
    const map = this.map;
    const { lng, lat } = map.unproject([point.x, point.y]);
    const at = toMercator(lng, lat);
    const pxPerUnit = WORLD_PX_AT_Z0 * 2 ** map.getZoom();
    let best: DroneHit | null = null;
    let bestDistance = Infinity;
    const consider = (x: number, y: number, radius: number, hit: () => DroneHit) => {
      const d = Math.hypot(x - at.x, y - at.y) * pxPerUnit;
      if (d <= radius + 4 && d < bestDistance) {
        bestDistance = d;
        best = hit();
      }
    };
    for (const c of this.#frame.clusters)
      consider(c.x, c.y, clusterRadiusPx(c.count), () => ({ kind: 'cluster' }));
    for (const d of this.#frame.singles)
      consider(d.x, d.y, DRONE_RADIUS_PX, () => ({ kind: 'drone', id: d.id }));
    return best;
  }

  #build(zoom: number): void {
    const s = this.source;
    const visible = this.#visible;
    s.collectVisible(visible);
    this.#frame = clusterDrones(visible, zoom);
    const first = visible[0];
    this.#origin = first ? { x: first.x, y: first.y } : { x: 0, y: 0 };
    const origin = this.#origin;
    const selected = s.selectedId;
    const selectedDrone = selected === null ? undefined : visible.find((d) => d.id === selected);
    this.#reserve(this.#frame.singles.length + this.#frame.clusters.length + 1);
    let n = 0;
    const put = (
      x: number,
      y: number,
      radius: number,
      strokeWidth: number,
      fill: readonly number[],
      fillAlpha: number,
      stroke: readonly number[],
      strokeAlpha: number,
    ) => {
      const o = n * FLOATS_PER_POINT;
      const data = this.#data;
      data[o] = x - origin.x;
      data[o + 1] = y - origin.y;
      data[o + 2] = radius;
      data[o + 3] = strokeWidth;
      for (let i = 0; i < 3; i += 1) {
        data[o + 4 + i] = (fill[i] ?? 0) * fillAlpha;
        data[o + 8 + i] = (stroke[i] ?? 0) * strokeAlpha;
      }
      data[o + 7] = fillAlpha;
      data[o + 11] = strokeAlpha;
      n += 1;
    };
    for (const d of this.#frame.singles)
      put(d.x, d.y, DRONE_RADIUS_PX, 1.5, d.style.fill, d.style.opacity, WHITE, d.style.opacity);
    for (const c of this.#frame.clusters) {
      const fill = s.clusterFill(c.maxSeverity);
      put(c.x, c.y, clusterRadiusPx(c.count), 2, fill, 0.85 * fill[3], WHITE, 1);
    }
    // The selected drone gets its ring even inside a cluster, so it can be found.
    if (selectedDrone) put(selectedDrone.x, selectedDrone.y, SELECTED_RADIUS_PX, 3, INK, 0, INK, 1);
    this.#count = n;
    this.#builtVersion = s.version;
    this.#builtZoom = zoom;
    this.#builtSelected = selected;
  }

  #reserve(points: number): void {
    if (this.#data.length >= points * FLOATS_PER_POINT) return;
    this.#data = new Float32Array(2 ** Math.ceil(Math.log2(points)) * FLOATS_PER_POINT);
  }
}

function linkProgram(gl: WebGL2RenderingContext): WebGLProgram {
  const compile = (type: number, source: string): WebGLShader => {
    const shader = gl.createShader(type);
    if (!shader) throw new Error('WebGL: cannot create a shader');
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS))
      throw new Error(`WebGL shader: ${gl.getShaderInfoLog(shader) ?? 'compile failed'}`);
    return shader;
  };
  const program = gl.createProgram();
  gl.attachShader(program, compile(gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(program, compile(gl.FRAGMENT_SHADER, FRAGMENT));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS))
    throw new Error(`WebGL program: ${gl.getProgramInfoLog(program) ?? 'link failed'}`);
  return program;
}
