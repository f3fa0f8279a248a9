// Loading the map libraries (Leaflet and Leaflet.markercluster) that zcc serves from /static/vendor/ when
// they are installed (npm ci). They are classic scripts that set window.L, so they are added as script
// elements from our own origin (the Content-Security-Policy allows 'self' only). Resolves to L, or to null
// when they are not installed or fail to load: the page then draws its own SVG map.

const BASE = "/static/vendor/";
const TIMEOUT_MS = 8000;
let pending = null;

function addStylesheet(name) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = BASE + name;
  // Before our own map.css, so our styles win over the libraries' defaults.
  const ours = document.querySelector('link[href="/static/map.css"]');
  document.head.insertBefore(link, ours);
}

function addScript(name) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = BASE + name;
    script.async = false;
    const timer = setTimeout(() => reject(new Error(`${name}: timed out`)), TIMEOUT_MS);
    script.onload = () => {
      clearTimeout(timer);
      resolve();
    };
    script.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`${name}: not installed`));
    };
    document.head.append(script);
  });
}

/** window.L with markerClusterGroup, or null when the map libraries cannot be had. */
export function loadLeaflet() {
  if (!pending) {
    pending = (async () => {
      try {
        await addScript("leaflet.js");
        await addScript("leaflet.markercluster.js");
        if (!window.L?.markerClusterGroup) return null;
        for (const css of ["leaflet.css", "MarkerCluster.css", "MarkerCluster.Default.css"]) addStylesheet(css);
        return window.L;
      } catch {
        return null;
      }
    })();
  }
  return pending;
}
