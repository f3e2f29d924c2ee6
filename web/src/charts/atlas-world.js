// World countries (Natural Earth 1:110m, npm world-atlas) with every name and ISO code that matches them.
// Loaded on demand as its own cached chunk, only when a world map is drawn.
import { feature } from "topojson-client";
import world from "world-atlas/countries-110m.json";
import codes from "i18n-iso-countries/codes.json";
import en from "i18n-iso-countries/langs/en.json";

/** Features and their lookup; the key function comes from the caller so this chunk imports no app code. */
export function build(lookupKey) {
  const features = feature(world, world.objects.countries).features;
  const byId = new Map(features.filter((f) => f.id).map((f) => [String(f.id), f]));
  const index = new Map();
  const add = (key, f) => {
    const k = lookupKey(key);
    if (k && !index.has(k)) index.set(k, f);
  };
  for (const f of features) add(f.properties.name, f);
  const aliases = [];
  for (const [alpha2, alpha3, numeric] of codes) {
    const f = byId.get(numeric);
    if (!f) continue;
    add(alpha2, f);
    add(alpha3, f);
    add(numeric, f);
    add(String(Number(numeric)), f);
    const names = en.countries[alpha2];
    const list = Array.isArray(names) ? names : [names];
    add(list[0], f);
    aliases.push(...list.slice(1).map((n) => [n, f]));
  }
  for (const [n, f] of aliases) add(n, f);
  return { kind: "world", features, index, projection: "equal-earth", aspect: 0.52, noun: "country" };
}
