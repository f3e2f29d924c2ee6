// US states (Census 1:10m, npm us-atlas), matched by name, postal code or FIPS code. Loaded on demand.
import { feature } from "topojson-client";
import us from "us-atlas/states-10m.json";

/** Features and their lookup; the key function comes from the caller so this chunk imports no app code. */
export function build(lookupKey, US_STATES) {
  const features = feature(us, us.objects.states).features;
  const index = new Map();
  const byFips = new Map(features.map((f) => [String(f.id), f]));
  for (const f of features) index.set(lookupKey(f.properties.name), f);
  for (const [postal, fips] of Object.entries(US_STATES)) {
    const f = byFips.get(fips);
    if (!f) continue;
    index.set(lookupKey(postal), f);
    index.set(lookupKey(fips), f);
    index.set(lookupKey(String(Number(fips))), f);
  }
  return { kind: "us", features, index, projection: "albers-usa", aspect: 0.62, noun: "US state" };
}
