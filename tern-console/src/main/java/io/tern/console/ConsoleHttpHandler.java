package io.tern.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.tern.broker.Log;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One HTTP connection of an http listener: the console's files, the login form, the admin API, {@code /metrics}
 * and the live WebSocket. Decides who may do what (see {@link ConsoleAccess}):
 * <ul>
 *   <li>the console's static files, {@code openapi.json} and the login endpoint are open to anyone who may reach
 *       the listener (they hold no data);</li>
 *   <li>everything else needs an administrator: HTTP Basic, or the session cookie of a console login; on a
 *       listener without a password file, any loopback client;</li>
 *   <li>state-changing requests of a browser session carry its CSRF token in {@code X-CSRF-Token}; other
 *       state-changing POSTs must be {@code application/json}, which an HTML form on another site cannot send.</li>
 * </ul>
 */
final class ConsoleHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final String COOKIE = "tern_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    /** Sent by the console's own requests: a 401 then carries no WWW-Authenticate, so the browser shows no prompt. */
    static final String CONSOLE_HEADER = "X-Tern-Console";

    private final ConsoleServer server;
    private final ConsoleAccess access;
    private final boolean tls;

    ConsoleHttpHandler(ConsoleServer server, ConsoleAccess access, boolean tls) {
        this.server = server;
        this.access = access;
        this.tls = tls;
    }

    /** Who is asking, once authenticated. */
    private record Who(String user, ConsoleAccess.Login login) {
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            send(ctx, req, error(400, "bad_request", "malformed HTTP request", null), true);
            return;
        }
        InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
        if (!access.admits(peer.getAddress())) {
            Log.NOTICE.info("HTTP request from {} refused: this listener has no password_file and answers loopback "
                    + "addresses only.", peer.getAddress().getHostAddress());
            send(ctx, req, error(403, "forbidden", "this listener answers loopback addresses only "
                    + "(give it a password_file and http_admin_users to open it)", null), true);
            return;
        }
        if (access.open() && !loopbackHost(req.headers().get(HttpHeaderNames.HOST))) {
            // DNS rebinding: a page of evil.example resolved to 127.0.0.1 must not use the open loopback listener
            Log.NOTICE.info("HTTP request from {} refused: Host '{}' is not a loopback name on a listener without "
                    + "password_file.", peer.getAddress().getHostAddress(), req.headers().get(HttpHeaderNames.HOST));
            send(ctx, req, error(403, "forbidden", "use http://localhost or a loopback address for this listener", null),
                    true);
            return;
        }
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        String path = q.path();
        HttpMethod m = req.method();
        try {
            if (path.equals(AdminApi.PREFIX + "/openapi.json") || (m.equals(HttpMethod.GET) && !path.startsWith("/api/")
                    && !path.equals("/metrics"))) {
                serveFile(ctx, req, path.equals(AdminApi.PREFIX + "/openapi.json") ? "/openapi.json" : path);
                return;
            }
            if (path.equals("/login") && m.equals(HttpMethod.POST)) {
                login(ctx, req, peer);
                return;
            }
            if (path.equals("/logout") && m.equals(HttpMethod.POST)) {
                access.logout(cookie(req));
                FullHttpResponse r = json(200, Map.of("result", "logged out"));
                r.headers().add(HttpHeaderNames.SET_COOKIE, sessionCookie("", 0));
                send(ctx, req, r, false);
                return;
            }
            if (path.equals("/metrics") && server.metricsPublic() && m.equals(HttpMethod.GET)) {
                metrics(ctx, req);
                return;
            }
            CompletableFuture<Who> who = authenticate(req, peer);
            req.retain();
            who.whenComplete((w, failure) -> ctx.executor().execute(() -> {
                try {
                    if (failure != null) {
                        fail(ctx, req, failure);
                    } else {
                        authorised(ctx, req, w, path, q);
                    }
                } catch (RuntimeException e) {
                    fail(ctx, req, e);
                } finally {
                    req.release();
                }
            }));
        } catch (RuntimeException e) {
            fail(ctx, req, e);
        }
    }

    private void authorised(ChannelHandlerContext ctx, FullHttpRequest req, Who who, String path, QueryStringDecoder q) {
        HttpMethod m = req.method();
        boolean changes = !m.equals(HttpMethod.GET) && !m.equals(HttpMethod.HEAD);
        if (changes) {
            checkCsrf(req, who);
        }
        if (path.equals("/metrics")) {
            metrics(ctx, req);
            return;
        }
        if (path.equals(AdminApi.PREFIX + "/session")) {
            ConsoleAccess.Login l = who.login();
            if (l == null && access.open()) {
                l = access.login(who.user());
                FullHttpResponse r = json(200, Map.of("user", l.user(), "csrf", l.csrf(), "open", true));
                r.headers().add(HttpHeaderNames.SET_COOKIE, sessionCookie(l.id(), -1));
                send(ctx, req, r, false);
                return;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("user", who.user());
            if (l != null) {
                body.put("csrf", l.csrf());
            }
            body.put("open", access.open());
            send(ctx, req, json(200, body), false);
            return;
        }
        if (path.equals(LiveFeed.PATH)) {
            upgrade(ctx, req, who);
            return;
        }
        if (!path.startsWith(AdminApi.PREFIX + "/") && !path.equals(AdminApi.PREFIX)) {
            throw ApiException.notFound("no such resource: " + path);
        }
        JsonNode body = body(req);
        server.api().handle(new AdminApi.Call(m, path, q.parameters(), body, who.user(), access.acl()))
                .whenComplete((reply, failure) -> {
                    if (failure != null) {
                        fail(ctx, req, failure);
                    } else {
                        send(ctx, req, json(reply.status(), reply.body()), false);
                    }
                });
    }

    // ---------------------------------------------------------------- authentication

    private CompletableFuture<Who> authenticate(FullHttpRequest req, InetSocketAddress peer) {
        ConsoleAccess.Login l = access.session(cookie(req));
        if (l != null) {
            return CompletableFuture.completedFuture(new Who(l.user(), l));
        }
        String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw unauthorised("malformed Basic credentials");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw unauthorised("malformed Basic credentials");
            }
            String user = decoded.substring(0, colon);
            String password = decoded.substring(colon + 1);
            if (access.open()) {
                return CompletableFuture.completedFuture(new Who(ConsoleAccess.LOCAL_USER, null));
            }
            return access.check(user, password).thenApply(v -> switch (v) {
                case ADMIN -> new Who(user, null);
                case NOT_ADMIN -> {
                    Log.NOTICE.info("HTTP request from {} refused: user '{}' is not in http_admin_users.",
                            peer.getAddress().getHostAddress(), user);
                    throw ApiException.forbidden("user '" + user + "' is not an administrator (http_admin_users)");
                }
                case BAD_CREDENTIALS -> {
                    Log.NOTICE.info("HTTP authentication failed for user '{}' from {}.", user,
                            peer.getAddress().getHostAddress());
                    throw unauthorised("bad user name or password");
                }
            });
        }
        if (access.open()) {
            return CompletableFuture.completedFuture(new Who(ConsoleAccess.LOCAL_USER, null));
        }
        Log.INFO.info("HTTP request from {} for {} without credentials.", peer.getAddress().getHostAddress(),
                new QueryStringDecoder(req.uri()).path());
        throw unauthorised("log in or give HTTP Basic credentials of a user in http_admin_users");
    }

    private static ApiException unauthorised(String message) {
        return new ApiException(401, "unauthorized", message, null);
    }

    private void checkCsrf(FullHttpRequest req, Who who) {
        if (who.login() != null) {
            if (!ConsoleAccess.csrfMatches(who.login(), req.headers().get(CSRF_HEADER))) {
                Log.NOTICE.info("HTTP {} {} refused: missing or wrong CSRF token.", req.method(), req.uri());
                throw new ApiException(403, "csrf", "missing or wrong " + CSRF_HEADER + " header", null);
            }
            return;
        }
        if (req.method().equals(HttpMethod.POST) && !isJson(req)) {
            Log.NOTICE.info("HTTP {} {} refused: not application/json.", req.method(), req.uri());
            throw new ApiException(403, "csrf", "state-changing requests must be application/json", null);
        }
    }

    /** Whether a Host header names this machine's loopback (localhost, 127.x.x.x, [::1]), port or not. */
    static boolean loopbackHost(String host) {
        if (host == null) {
            return true; // HTTP/1.0 without Host: not a browser
        }
        String h = host.trim().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && h.substring(1, end).equals("::1");
        }
        int colon = h.indexOf(':');
        String name = colon >= 0 ? h.substring(0, colon) : h;
        return name.equals("localhost") || name.endsWith(".localhost") || name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    private static boolean isJson(FullHttpRequest req) {
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json");
    }

    private void login(ChannelHandlerContext ctx, FullHttpRequest req, InetSocketAddress peer) {
        if (!isJson(req)) {
            throw new ApiException(403, "csrf", "log in with an application/json body {username, password}", null);
        }
        JsonNode b = body(req);
        String user = b.path("username").asText("");
        String password = b.path("password").asText("");
        if (user.isEmpty()) {
            throw ApiException.badRequest("username", "missing");
        }
        String address = peer.getAddress().getHostAddress();
        req.retain();
        access.check(user, password).whenComplete((v, failure) -> ctx.executor().execute(() -> {
            try {
                if (failure != null) {
                    fail(ctx, req, failure);
                } else if (v == ConsoleAccess.Verdict.BAD_CREDENTIALS) {
                    Log.NOTICE.info("Console login failed for user '{}' from {}.", user, address);
                    send(ctx, req, error(401, "unauthorized", "bad user name or password", null), false);
                } else if (v == ConsoleAccess.Verdict.NOT_ADMIN) {
                    Log.NOTICE.info("Console login refused for user '{}' from {}: not in http_admin_users.", user,
                            address);
                    send(ctx, req, error(403, "forbidden", "user '" + user + "' is not an administrator", null), false);
                } else {
                    String name = access.open() ? ConsoleAccess.LOCAL_USER : user;
                    ConsoleAccess.Login l = access.login(name);
                    Log.NOTICE.info("Console login of '{}' from {}.", name, address);
                    FullHttpResponse r = json(200, Map.of("user", name, "csrf", l.csrf()));
                    r.headers().add(HttpHeaderNames.SET_COOKIE, sessionCookie(l.id(), -1));
                    send(ctx, req, r, false);
                }
            } finally {
                req.release();
            }
        }));
    }

    private String sessionCookie(String value, long maxAge) {
        DefaultCookie c = new DefaultCookie(COOKIE, value);
        c.setHttpOnly(true);
        c.setSameSite(CookieHeaderNames.SameSite.Strict);
        c.setPath("/");
        c.setSecure(tls);
        if (maxAge >= 0) {
            c.setMaxAge(maxAge);
        }
        return ServerCookieEncoder.STRICT.encode(c);
    }

    private static String cookie(FullHttpRequest req) {
        String header = req.headers().get(HttpHeaderNames.COOKIE);
        if (header == null) {
            return null;
        }
        for (Cookie c : ServerCookieDecoder.STRICT.decode(header)) {
            if (c.name().equals(COOKIE)) {
                return c.value();
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- endpoints

    private void serveFile(ChannelHandlerContext ctx, FullHttpRequest req, String path) {
        StaticFiles.File f = StaticFiles.get(path);
        if (f == null) {
            throw ApiException.notFound("no such file: " + path);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(f.bytes()));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, f.contentType());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        r.headers().set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; "
                + "img-src 'self' data:; frame-ancestors 'none'");
        send(ctx, req, r, false);
    }

    private void metrics(ChannelHandlerContext ctx, FullHttpRequest req) {
        req.retain();
        server.metrics().scrape().whenComplete((bytes, failure) -> {
            try {
                if (failure != null) {
                    fail(ctx, req, failure);
                    return;
                }
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(bytes));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, server.metrics().contentType());
                send(ctx, req, r, false);
            } finally {
                req.release();
            }
        });
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, Who who) {
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        String host = req.headers().get(HttpHeaderNames.HOST);
        if (origin != null && (host == null || !origin.replaceFirst("^https?://", "").equals(host))) {
            // cross-site WebSocket hijacking: a page elsewhere must not read the live feed with our cookie
            Log.NOTICE.info("Console live feed refused: origin {} is not this listener ({}).", origin, host);
            throw ApiException.forbidden("cross-origin WebSocket refused");
        }
        ctx.pipeline().addLast("ws", new WebSocketServerProtocolHandler(LiveFeed.PATH, null, false, 65536));
        ctx.pipeline().addLast("live", server.live().socket(who.user(), access.acl()));
        ctx.fireChannelRead(req.retain());
    }

    private static JsonNode body(FullHttpRequest req) {
        if (req.content().readableBytes() == 0) {
            return Json.MAPPER.createObjectNode();
        }
        try {
            JsonNode n = Json.MAPPER.readTree(req.content().toString(StandardCharsets.UTF_8));
            if (n == null || !n.isObject()) {
                throw new ApiException(400, "bad_request", "the body must be a JSON object", "body");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApiException(400, "bad_request", "the body is not JSON: " + e.getOriginalMessage(), "body");
        }
    }

    // ---------------------------------------------------------------- responses

    private void fail(ChannelHandlerContext ctx, FullHttpRequest req, Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof ApiException a) {
            FullHttpResponse r = error(a.status, a.error, a.getMessage(), a.field);
            if (a.status == 401 && req.headers().get(CONSOLE_HEADER) == null) {
                r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"Tern\", charset=\"UTF-8\"");
            }
            send(ctx, req, r, false);
        } else {
            Log.WARNING.warn("HTTP {} {} failed: {}", req.method(), req.uri(), c.toString(), c);
            send(ctx, req, error(500, "internal_error", c.toString(), null), false);
        }
    }

    private static FullHttpResponse error(int status, String error, String message, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("message", message);
        if (field != null) {
            body.put("field", field);
        }
        return json(status, body);
    }

    static FullHttpResponse json(int status, Object body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(Json.bytes(body)));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return r;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r, boolean close) {
        r.headers().set("X-Content-Type-Options", "nosniff");
        r.headers().set("X-Frame-Options", "DENY");
        HttpUtil.setContentLength(r, r.content().readableBytes());
        boolean keepAlive = !close && HttpUtil.isKeepAlive(req);
        if (keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r);
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof java.io.IOException)) {
            Log.INFO.info("HTTP connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }
}
