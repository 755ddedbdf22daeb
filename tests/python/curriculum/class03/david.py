#!/usr/bin/python3
# Serveur echo TCP : complet, avec socketserver.
import socketserver
import sys
import socket


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(4096)
            if not data:
                return
            self.request.sendall(data)


class Server(socketserver.TCPServer):
    address_family = socket.AF_INET6
    allow_reuse_address = True


port = int(sys.argv[1]) if len(sys.argv) > 1 else 7777
with Server(("::", port), Echo) as server:
    server.serve_forever()
