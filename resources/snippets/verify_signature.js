const crypto = require("node:crypto");

function signatureOk(secret, rawBody, header) {
  const expected = "sha256=" + crypto.createHmac("sha256", secret).update(rawBody).digest("hex");
  const a = Buffer.from(expected), b = Buffer.from(header || "");
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
// Express: app.post("/hooks", express.raw({ type: "application/json" }), (req, res) => …req.body…)
