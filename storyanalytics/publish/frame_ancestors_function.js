// Edge stack CloudFront Function (viewer-response, cloudfront-js-2.0) on embed pages: the team's allowlist
// of embedding sites becomes the page's Content-Security-Policy frame-ancestors, as the app does for
// /embed/... in local mode. The app stores the allowlist on the page object as S3 user metadata
// (x-amz-meta-frame-ancestors, space-separated origins; absent = any site); S3 returns it as a header
// and this function turns it into the CSP and drops it. frame-ancestors is ignored in a <meta> CSP,
// so it must be a response header. cfn/edge.yaml carries this file inline (tests/cfn checks they match).
var CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'";
var META = 'x-amz-meta-frame-ancestors';
var ORIGIN = /^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

function frameAncestors(stored) {
  if (stored === undefined) {
    return '*';
  }
  var allowed = stored.value.split(' ').filter(function (origin) {
    return origin === '*' || ORIGIN.test(origin);
  });
  return allowed.length ? allowed.join(' ') : "'none'";
}

function handler(event) {
  var response = event.response;
  var headers = response.headers;
  headers['content-security-policy'] = { value: CSP + '; frame-ancestors ' + frameAncestors(headers[META]) };
  delete headers[META];
  return response;
}
