/* The API documentation page: the vendored Swagger UI reading this server's OpenAPI document.
   No validator badge (it would call validator.swagger.io), nothing loaded from elsewhere. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    window.ui = SwaggerUIBundle({
      url: "/api/v1/openapi.json",
      dom_id: "#swagger-ui",
      validatorUrl: null,
      deepLinking: true,
      tryItOutEnabled: false
    });
  });
})();
