import type { FeatureCollection } from 'geojson';
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import landUrl from '@geo-maps/countries-land-10km/map.geo.json?url';
import { CLUSTER_MAX_ZOOM } from './drone-clusters';
import { DroneOverlay } from './drone-overlay';
import type { DroneLayer } from './drone-layer';
import type { Depot, LatLng, Zone } from './fleet-model';

maplibregl.setWorkerUrl(workerUrl);

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

/**
 * The offline style: GeoJSON sources only (land bundled as an asset, zones, depots,
 * the selected route). No glyphs or sprites, so no text symbols: text is HTML. The
 * drones are not a GeoJSON source: DroneOverlay draws them (see there why).
 */
function offlineStyle(): maplibregl.StyleSpecification {
  return {
    version: 8,
    sources: {
      land: { type: 'geojson', data: landUrl },
      zones: { type: 'geojson', data: EMPTY },
      depots: { type: 'geojson', data: EMPTY },
      route: { type: 'geojson', data: EMPTY },
      trail: { type: 'geojson', data: EMPTY },
    },
    layers: [
      { id: 'water', type: 'background', paint: { 'background-color': '#c9dcee' } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#f2efe6' } },
      {
        id: 'zones-fill',
        type: 'fill',
        source: 'zones',
        paint: { 'fill-color': '#2f6fb0', 'fill-opacity': 0.08 },
      },
      {
        id: 'zones-line',
        type: 'line',
        source: 'zones',
        paint: { 'line-color': '#2f6fb0', 'line-width': 1.5, 'line-dasharray': [2, 2] },
      },
      {
        id: 'depots',
        type: 'circle',
        source: 'depots',
        paint: {
          'circle-radius': 7,
          'circle-color': '#ffffff',
          'circle-stroke-color': '#333333',
          'circle-stroke-width': 3,
        },
      },
      {
        // Where the selected drone has been (its last minutes of fixes): solid, under the route.
        id: 'trail-line',
        type: 'line',
        source: 'trail',
        paint: { 'line-color': '#7a4bb5', 'line-width': 3, 'line-opacity': 0.8 },
      },
      {
        id: 'route-line',
        type: 'line',
        source: 'route',
        filter: ['==', ['geometry-type'], 'LineString'],
        paint: { 'line-color': '#1c1c1c', 'line-width': 3, 'line-dasharray': [1, 1] },
      },
      {
        id: 'route-stops',
        type: 'circle',
        source: 'route',
        filter: ['==', ['geometry-type'], 'Point'],
        paint: {
          'circle-radius': 6,
          'circle-color': ['match', ['get', 'kind'], 'pickup', '#d68910', '#1f8a4c'],
          'circle-stroke-color': '#1c1c1c',
          'circle-stroke-width': 2,
        },
      },
    ],
  };
}

export interface FleetMapHandle {
  readonly map: maplibregl.Map;
  /** The drone overlay once the map has loaded (what it drew last, hit testing). */
  readonly drones: () => DroneOverlay | null;
  setPlaces(depots: readonly Depot[], zones: readonly Zone[]): void;
  setSelected(id: string | null): void;
  setRoute(stops: { current: LatLng; pickup: LatLng; dropoff: LatLng } | null): void;
  /** The selected drone's recent fixes, oldest first (empty: none). */
  setTrail(points: readonly LatLng[]): void;
  flyTo(p: LatLng): void;
  destroy(): void;
}

/** Creates the map, attaches the drone layer to its source once the style is loaded. */
export function createFleetMap(
  container: HTMLElement,
  layer: DroneLayer,
  onSelect: (droneId: string) => void,
  center: LatLng = { lat: 52.52, lng: 13.405 },
): FleetMapHandle {
  const map = new maplibregl.Map({
    container,
    style: offlineStyle(),
    center: [center.lng, center.lat],
    zoom: 10.5,
    // North-up and flat: the drone overlay projects and hit-tests in plain Mercator.
    maxPitch: 0,
    dragRotate: false,
    pitchWithRotate: false,
    attributionControl: { compact: false, customAttribution: 'Land: Natural Earth' },
    fadeDuration: 0,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  const markers: maplibregl.Marker[] = [];
  const geo = (id: string) => map.getSource<maplibregl.GeoJSONSource>(id);
  let pending: { depots: readonly Depot[]; zones: readonly Zone[] } | null = null;

  const applyPlaces = (depots: readonly Depot[], zones: readonly Zone[]) => {
    void geo('zones')?.setData({
      type: 'FeatureCollection',
      features: zones.map((z) => ({
        type: 'Feature',
        properties: { id: z.id, name: z.name },
        geometry: { type: 'Polygon', coordinates: [z.polygon.map(([lng, lat]) => [lng, lat])] },
      })),
    });
    void geo('depots')?.setData({
      type: 'FeatureCollection',
      features: depots.map((d) => ({
        type: 'Feature',
        properties: { id: d.id, name: d.name },
        geometry: { type: 'Point', coordinates: [d.position.lng, d.position.lat] },
      })),
    });
    for (const m of markers.splice(0)) m.remove();
    for (const d of depots) {
      const el = document.createElement('div');
      el.className = 'depot-label';
      el.textContent = d.name;
      markers.push(
        new maplibregl.Marker({ element: el, anchor: 'top', offset: [0, 8] })
          .setLngLat([d.position.lng, d.position.lat])
          .addTo(map),
      );
    }
  };

  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  let drones: DroneOverlay | null = null;
  map.on('load', () => {
    drones = new DroneOverlay(map, layer);
    layer.attach(drones);
    if (pending) applyPlaces(pending.depots, pending.zones);
  });
  map.on('click', (e) => {
    const hit = drones?.hitTest(e.point);
    if (hit?.kind === 'drone') onSelect(hit.id);
    if (hit?.kind === 'cluster')
      map.easeTo({
        center: e.lngLat,
        zoom: Math.min(Math.floor(map.getZoom()) + 2, CLUSTER_MAX_ZOOM + 1),
      });
  });
  map.on('mousemove', (e) => {
    map.getCanvas().style.cursor = drones?.hitTest(e.point) ? 'pointer' : '';
  });

  return {
    map,
    drones: () => drones,
    setPlaces(depots, zones) {
      if (map.loaded() || map.isStyleLoaded()) applyPlaces(depots, zones);
      else pending = { depots, zones };
    },
    setSelected(id) {
      layer.setSelected(id);
    },
    setRoute(stops) {
      void geo('route')?.setData(
        stops
          ? {
              type: 'FeatureCollection',
              features: [
                {
                  type: 'Feature',
                  properties: {},
                  geometry: {
                    type: 'LineString',
                    coordinates: [stops.current, stops.pickup, stops.dropoff].map((p) => [
                      p.lng,
                      p.lat,
                    ]),
                  },
                },
                {
                  type: 'Feature',
                  properties: { kind: 'pickup' },
                  geometry: { type: 'Point', coordinates: [stops.pickup.lng, stops.pickup.lat] },
                },
                {
                  type: 'Feature',
                  properties: { kind: 'dropoff' },
                  geometry: { type: 'Point', coordinates: [stops.dropoff.lng, stops.dropoff.lat] },
                },
              ],
            }
          : EMPTY,
      );
    },
    setTrail(points) {
      void geo('trail')?.setData(
        points.length < 2
          ? EMPTY
          : {
              type: 'FeatureCollection',
              features: [
                {
                  type: 'Feature',
                  properties: {},
                  geometry: { type: 'LineString', coordinates: points.map((p) => [p.lng, p.lat]) },
                },
              ],
            },
      );
    },
    flyTo(p) {
      map.easeTo({ center: [p.lng, p.lat], zoom: Math.max(map.getZoom(), CLUSTER_MAX_ZOOM + 1) });
    },
    destroy() {
      layer.dispose();
      drones?.destroy();
      for (const m of markers.splice(0)) m.remove();
      map.remove();
    },
  };
}
