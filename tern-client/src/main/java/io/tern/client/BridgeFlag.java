package io.tern.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Sets bit 7 of the protocol level in the encoded CONNECT (0x83 / 0x84), Mosquitto's bridge mark
 * ({@code try_private}); sits between the encoder and the socket and leaves the pipeline after the CONNECT.
 */
final class BridgeFlag extends ChannelOutboundHandlerAdapter {

    static final String NAME = "bridge-flag";

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b && b.readableBytes() > 2 && (b.getUnsignedByte(b.readerIndex()) & 0xF0) == 0x10) {
            int i = b.readerIndex() + 1;
            while ((b.getUnsignedByte(i) & 0x80) != 0) {
                i++; // the remaining length, 1 to 4 bytes
            }
            i++;
            int nameLength = b.getUnsignedShort(i);
            int level = i + 2 + nameLength;
            b.setByte(level, b.getUnsignedByte(level) | 0x80);
            ctx.pipeline().remove(this);
        }
        ctx.write(msg, promise);
    }
}
