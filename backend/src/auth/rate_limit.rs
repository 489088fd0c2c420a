//! Per-IP rate limit for the sensitive endpoints (login, reset, activation, token), taken as a
//! handler argument so the routes it guards are visible in their signatures.

use std::future::{ready, Ready};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::{web, FromRequest, HttpRequest};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;
use crate::state::AppState;

/// One bucket per client IP, shared by all sensitive endpoints; `None` when turned off.
#[derive(Clone)]
pub struct SensitiveRateLimit(Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>);

impl SensitiveRateLimit {
    pub fn per_minute(limit: u32) -> Self {
        SensitiveRateLimit(
            NonZeroU32::new(limit).map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n)))),
        )
    }

    fn check(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let (Some(limiter), Some(ip)) = (&self.0, ip) else {
            return Ok(());
        };
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::TooManyRequests {
                detail: "Too many requests from this address; wait a moment and try again.".into(),
                retry_after: wait.as_secs().max(1),
                blocked_until: None,
            }
        })
    }
}

/// Present in a handler's arguments: the request passed the per-IP limit.
pub struct RateLimited;

impl FromRequest for RateLimited {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        // Behind a proxy every client shares the proxy's address; see README.
        let ip = req.peer_addr().map(|addr| addr.ip());
        let result = match req.app_data::<web::Data<AppState>>() {
            Some(state) => state.rate_limit.check(ip).map(|()| RateLimited),
            None => Err(ApiError::internal(anyhow::anyhow!("AppState missing"))),
        };
        ready(result)
    }
}
