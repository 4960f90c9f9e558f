package io.tern.broker.transport;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Binary (and continuation) frames in, their bytes out to the MQTT decoder; {@code ByteBuf}s from the MQTT
 * encoder out as binary frames. Frame boundaries carry no meaning for MQTT [MQTT-6.0.0-2]: a packet may span
 * frames and a frame may hold several packets, so bytes are passed on as they are and the decoder reassembles.
 * A text frame closes the connection [MQTT-6.0.0-1].
 */
public final class WebSocketMqttFrames extends MessageToMessageCodec<WebSocketFrame, ByteBuf> {

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        out.add(new BinaryWebSocketFrame(msg.retain()));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
            out.add(frame.content().retain());
        } else if (frame instanceof TextWebSocketFrame) {
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_MESSAGE_TYPE,
                    "MQTT needs binary frames")).addListener(ChannelFutureListener.CLOSE);
        }
        // ping, pong and close are answered by WebSocketServerProtocolHandler before they get here
    }
}
