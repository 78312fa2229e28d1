// Every package's public types, as a CommonJS user requires them.
import axios = require('@passport-relay/axios');
import core = require('@passport-relay/core');
import doctor = require('@passport-relay/doctor');
import express = require('@passport-relay/express');
import fastify = require('@passport-relay/fastify');
import gateway = require('@passport-relay/gateway');
import grpc = require('@passport-relay/grpc');
import hono = require('@passport-relay/hono');
import http = require('@passport-relay/http');
import istio = require('@passport-relay/istio');
import koa = require('@passport-relay/koa');
import logging = require('@passport-relay/logging');
import nest = require('@passport-relay/nest');
import otel = require('@passport-relay/otel');
import testing = require('@passport-relay/testing');
import undici = require('@passport-relay/undici');
export type All = [
  typeof axios,
  typeof core,
  typeof doctor,
  typeof express,
  typeof fastify,
  typeof gateway,
  typeof grpc,
  typeof hono,
  typeof http,
  typeof istio,
  typeof koa,
  typeof logging,
  typeof nest,
  typeof otel,
  typeof testing,
  typeof undici,
];
