package io.tern.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.tern.broker.Log;
import io.tern.broker.Message;
import io.tern.broker.TopicLevels;
import io.tern.broker.extension.MessageObserver;
import io.tern.broker.security.Authorizer;
import io.tern.codec.Topics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live messages for the console over a WebSocket on the http listener ({@code /api/v1/live}). The browser sends
 * {@code {"subscribe": FILTER}} / {@code {"unsubscribe": FILTER}}; the server sends, every 200 ms, a batch
 * {@code {"messages": [...], "dropped": N}} of the messages routed meanwhile that match and that the admin user's
 * ACL lets it read. Each socket buffers at most {@link #MAX_BUFFERED} messages and counts what it had to drop, so
 * a busy broker cannot make the console a memory leak or slow the message path.
 */
final class LiveFeed implements MessageObserver {

    static final String PATH = "/api/v1/live";
    static final int MAX_BUFFERED = 2000;
    static final int MAX_PER_BATCH = 500;
    static final int MAX_PAYLOAD = 2048;

    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile Socket[] current = new Socket[0];

    /** One browser's live connection. */
    final class Socket extends SimpleChannelInboundHandler<WebSocketFrame> {
        final String user;
        final Authorizer acl;
        final Set<String> filters = ConcurrentHashMap.newKeySet();
        final ConcurrentLinkedQueue<Message> queue = new ConcurrentLinkedQueue<>();
        final AtomicInteger size = new AtomicInteger();
        final AtomicLong dropped = new AtomicLong();
        private Channel channel;
        private ScheduledFuture<?> timer;

        Socket(String user, Authorizer acl) {
            this.user = user;
            this.acl = acl;
        }

        void offer(Message m) {
            if (size.incrementAndGet() > MAX_BUFFERED) {
                size.decrementAndGet();
                dropped.incrementAndGet();
                return;
            }
            queue.add(m);
        }

        boolean wants(String topic) {
            for (String f : filters) {
                if (TopicLevels.matches(f, topic)) {
                    return acl.canRead(ConsoleAccess.CLIENT_ID, user, topic);
                }
            }
            return false;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                channel = ctx.channel();
                timer = ctx.executor().scheduleAtFixedRate(this::flush, 200, 200, TimeUnit.MILLISECONDS);
                add(this);
                Log.WEBSOCKETS.info("Console live feed opened for {} from {}.", user, ctx.channel().remoteAddress());
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) throws Exception {
            if (!(frame instanceof TextWebSocketFrame text)) {
                return;
            }
            JsonNode n;
            try {
                n = Json.MAPPER.readTree(text.text());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                send(Map.of("error", "bad_request", "message", "not JSON: " + e.getOriginalMessage()));
                return;
            }
            String sub = n.path("subscribe").asText(null);
            String unsub = n.path("unsubscribe").asText(null);
            if (sub != null) {
                String err = Topics.topicFilterError(sub);
                if (err != null) {
                    send(Map.of("error", "bad_request", "message", "subscribe: " + err));
                } else {
                    filters.add(sub);
                    send(Map.of("subscribed", sub));
                }
            } else if (unsub != null) {
                filters.remove(unsub);
                send(Map.of("unsubscribed", unsub));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            remove(this);
            if (timer != null) {
                timer.cancel(false);
            }
            super.channelInactive(ctx);
        }

        private void send(Object o) {
            if (channel != null) {
                channel.writeAndFlush(new TextWebSocketFrame(new String(Json.bytes(o), java.nio.charset.StandardCharsets.UTF_8)));
            }
        }

        private void flush() {
            if (queue.isEmpty() && dropped.get() == 0) {
                return;
            }
            if (!channel.isWritable()) {
                return; // the browser is behind: the buffer fills and further messages are counted as dropped
            }
            List<Map<String, Object>> batch = new ArrayList<>();
            Message m;
            while (batch.size() < MAX_PER_BATCH && (m = queue.poll()) != null) {
                size.decrementAndGet();
                Map<String, Object> j = Json.message(m, MAX_PAYLOAD);
                j.put("time", System.currentTimeMillis());
                batch.add(j);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("messages", batch);
            out.put("dropped", dropped.getAndSet(0));
            send(out);
        }
    }

    Socket socket(String user, Authorizer acl) {
        return new Socket(user, acl);
    }

    private void add(Socket s) {
        sockets.add(s);
        current = sockets.toArray(Socket[]::new);
    }

    private void remove(Socket s) {
        sockets.remove(s);
        current = sockets.toArray(Socket[]::new);
    }

    void closeAll() {
        for (Socket s : current) {
            if (s.channel != null) {
                s.channel.close();
            }
        }
    }

    @Override
    public void routed(Message message, int sessions) {
        Socket[] ss = current;
        if (ss.length == 0) {
            return;
        }
        for (Socket s : ss) {
            if (s.wants(message.topic())) {
                s.offer(message);
            }
        }
    }
}
