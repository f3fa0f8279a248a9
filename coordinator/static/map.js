// The region map of the board: Leaflet on a real base map when the map libraries are installed
// (leafletmap.js), else the SVG map drawn from the region's own coordinates (svgmap.js). Both colour the
// providers by availability for the care type chosen in the board's filter, and show a provider's
// capacity and contact when its marker is chosen. With Leaflet, the intake view also gets a small map of
// the patient's location and the proposed places.

import { loadLeaflet } from "./vendor.js";
import { SvgMap } from "./svgmap.js";

export class RegionMap {
  constructor(options) {
    this.options = options; // {canvas, detail, store, careType, requestMap}
    this.impl = null;
    this.loading = null;
    options.store.addEventListener("change", () => this.recolour());
    options.store.addEventListener("tick", () => this.recolour());
  }

  setData(mapData, providers) {
    this.loading = (async () => {
      const L = await loadLeaflet();
      this.impl?.destroy?.();
      if (L) {
        const { LeafletMap } = await import("./leafletmap.js");
        this.impl = new LeafletMap(L, this.options);
      } else {
        this.impl = new SvgMap(this.options);
      }
      this.options.canvas.dataset.map = L ? "leaflet" : "svg";
      this.impl.setData(mapData, providers);
    })();
    return this.loading;
  }

  recolour() {
    this.impl?.recolour();
  }

  get selected() {
    return this.impl?.selected ?? null;
  }

  set selected(providerId) {
    if (this.impl) this.impl.selected = providerId;
  }

  /** Show the patient's location and the proposals of a request on the intake view (Leaflet only). */
  async showRequest(record) {
    await this.loading;
    this.impl?.showRequest?.(record);
  }

  hideRequest() {
    this.impl?.hideRequest?.();
  }
}
