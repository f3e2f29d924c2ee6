// The site's language (Settings → "Language and region") for the charts the app draws, as the embed gets
// it in the chart's payload: fetched once, fetched again after an admin saves the settings.
import { useEffect, useState } from "react";
import { api } from "./api.js";

const DEFAULT = "en-US";
let pending = null;

export function siteLocale() {
  pending ??= api("/api/settings")
    .then((s) => s.locale || DEFAULT)
    .catch(() => {
      pending = null;
      return DEFAULT;
    });
  return pending;
}

export function forgetSiteLocale() {
  pending = null;
}

export function useSiteLocale() {
  const [locale, setLocale] = useState(DEFAULT);
  useEffect(() => {
    let live = true;
    siteLocale().then((l) => live && setLocale(l));
    return () => {
      live = false;
    };
  }, []);
  return locale;
}
