#!/usr/bin/env python3
# Echo server with asyncio: one thread, an event loop over epoll, a socketpair to wake it.
# Usage: echo_asyncio.py PORT CLIENTS  (PORT 0: any free port; it serves CLIENTS clients,
# then stops). The first line on stdout gives the port.
import asyncio
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 1


async def main():
    done = asyncio.Event()
    served = 0

    async def serve(reader, writer):
        nonlocal served
        while True:
            data = await reader.read(1024)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.close()
        await writer.wait_closed()
        served += 1
        if served == clients:
            done.set()

    server = await asyncio.start_server(serve, "127.0.0.1", port)
    print("listening on", server.sockets[0].getsockname()[1], flush=True)
    await done.wait()
    server.close()
    await server.wait_closed()


asyncio.run(main())
