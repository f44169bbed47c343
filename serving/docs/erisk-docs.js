// The API docs page: Swagger UI from BentoML's local bundle, reading /docs.json only.
// No validator badge (it loads an image from validator.swagger.io), no top bar (it loads
// any URL typed into it), no configuration from the query string.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/docs.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    validatorUrl: null,
    queryConfigEnabled: false,
    deepLinking: false,
  });
});
