//! `GET /api/v1/openapi.json`, generated from the handlers and types themselves (utoipa), so the
//! document cannot drift from the code.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "あんしんリンク API", description = "Sagamihara's Anshin Link directory service (DESIGN §4)."),
    paths(
        super::health,
        super::session::login,
        super::session::logout,
        super::session::me,
        super::session::change_password,
        super::session::sessions,
        super::session::end_session,
        super::two_factor::begin,
        super::two_factor::confirm,
        super::directory::download,
        super::directory::replace,
        super::change_requests::submit,
        super::change_requests::list,
        super::change_requests::show,
        super::change_requests::approve,
        super::change_requests::reject,
        super::change_requests::withdraw,
        super::audit::list,
    ),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn openapi_json() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}

#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn serve() -> Json<serde_json::Value> {
    Json(openapi_json())
}
