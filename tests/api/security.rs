mod metrics;
mod ssrf;
