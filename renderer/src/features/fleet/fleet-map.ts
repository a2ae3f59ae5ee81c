import type { FeatureCollection } from 'geojson';
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import landUrl from '@geo-maps/countries-land-10km/map.geo.json?url';
import { DRONE_SOURCE_ID, type DroneLayer } from './drone-layer';
import { SEVERITY_COLOR, STATUS_COLOR, type Depot, type LatLng, type Zone } from './fleet-model';

maplibregl.setWorkerUrl(workerUrl);

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
const CLUSTER_MAX_ZOOM = 12;

/**
 * The offline style: GeoJSON sources only (land bundled as an asset, zones, depots,
 * drones, the selected route). No glyphs or sprites, so no text symbols: text is HTML.
 */
function offlineStyle(): maplibregl.StyleSpecification {
  const statusColor: maplibregl.ExpressionSpecification = [
    'match',
    ['get', 'status'],
    ...Object.entries(STATUS_COLOR).flat(),
    '#555555',
  ] as unknown as maplibregl.ExpressionSpecification;
  return {
    version: 8,
    sources: {
      land: { type: 'geojson', data: landUrl },
      zones: { type: 'geojson', data: EMPTY },
      depots: { type: 'geojson', data: EMPTY },
      route: { type: 'geojson', data: EMPTY },
      [DRONE_SOURCE_ID]: {
        type: 'geojson',
        data: EMPTY,
        promoteId: 'id',
        cluster: true,
        clusterMaxZoom: CLUSTER_MAX_ZOOM,
        clusterRadius: 40,
        clusterProperties: { maxSev: ['max', ['get', 'sev']] },
      },
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
      {
        id: 'drone-clusters',
        type: 'circle',
        source: DRONE_SOURCE_ID,
        filter: ['has', 'point_count'],
        paint: {
          'circle-color': [
            'step',
            ['get', 'maxSev'],
            SEVERITY_COLOR[0] ?? '#000',
            1,
            SEVERITY_COLOR[1] ?? '#000',
            2,
            SEVERITY_COLOR[2] ?? '#000',
            3,
            SEVERITY_COLOR[3] ?? '#000',
            4,
            SEVERITY_COLOR[4] ?? '#000',
            5,
            SEVERITY_COLOR[5] ?? '#000',
          ],
          // Size ramp by member count (no glyphs offline, so no count text).
          'circle-radius': ['step', ['get', 'point_count'], 12, 10, 16, 50, 21, 200, 27, 1000, 34],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 2,
          'circle-opacity': 0.85,
        },
      },
      {
        id: 'drones',
        type: 'circle',
        source: DRONE_SOURCE_ID,
        filter: ['!', ['has', 'point_count']],
        paint: {
          'circle-radius': 6,
          'circle-color': statusColor,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.5,
          'circle-opacity': ['match', ['get', 'fresh'], 'fresh', 1, 'late', 0.55, 0.25],
          'circle-stroke-opacity': ['match', ['get', 'fresh'], 'fresh', 1, 'late', 0.55, 0.25],
        },
      },
      {
        id: 'drone-selected',
        type: 'circle',
        source: DRONE_SOURCE_ID,
        filter: ['==', ['get', 'id'], ''],
        paint: {
          'circle-radius': 11,
          'circle-color': 'rgba(0,0,0,0)',
          'circle-stroke-color': '#1c1c1c',
          'circle-stroke-width': 3,
        },
      },
    ],
  };
}

export interface FleetMapHandle {
  readonly map: maplibregl.Map;
  setPlaces(depots: readonly Depot[], zones: readonly Zone[]): void;
  setSelected(id: string | null): void;
  setRoute(stops: { current: LatLng; pickup: LatLng; dropoff: LatLng } | null): void;
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

  map.on('load', () => {
    layer.attach(geo(DRONE_SOURCE_ID) ?? null);
    if (pending) applyPlaces(pending.depots, pending.zones);
  });
  map.on('click', 'drones', (e) => {
    const id: unknown = e.features?.[0]?.properties['id'];
    if (typeof id === 'string') onSelect(id);
  });
  map.on('click', 'drone-clusters', (e) => {
    const feature = e.features?.[0];
    const clusterId: unknown = feature?.properties['cluster_id'];
    if (!feature || typeof clusterId !== 'number') return;
    void geo(DRONE_SOURCE_ID)
      ?.getClusterExpansionZoom(clusterId)
      .then((zoom) => map.easeTo({ center: e.lngLat, zoom }));
  });
  for (const id of ['drones', 'drone-clusters']) {
    map.on('mouseenter', id, () => (map.getCanvas().style.cursor = 'pointer'));
    map.on('mouseleave', id, () => (map.getCanvas().style.cursor = ''));
  }

  return {
    map,
    setPlaces(depots, zones) {
      if (map.loaded() || map.isStyleLoaded()) applyPlaces(depots, zones);
      else pending = { depots, zones };
    },
    setSelected(id) {
      if (map.getLayer('drone-selected'))
        map.setFilter('drone-selected', ['==', ['get', 'id'], id ?? '']);
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
    flyTo(p) {
      map.easeTo({ center: [p.lng, p.lat], zoom: Math.max(map.getZoom(), CLUSTER_MAX_ZOOM + 1) });
    },
    destroy() {
      layer.dispose();
      for (const m of markers.splice(0)) m.remove();
      map.remove();
    },
  };
}
