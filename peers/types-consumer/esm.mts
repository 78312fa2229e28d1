// Every package's public types, as an ESM user imports them.
export * as axios from '@passport-relay/axios';
export * as core from '@passport-relay/core';
export * as doctor from '@passport-relay/doctor';
export * as express from '@passport-relay/express';
export * as fastify from '@passport-relay/fastify';
export * as gateway from '@passport-relay/gateway';
export * as grpc from '@passport-relay/grpc';
export * as hono from '@passport-relay/hono';
export * as http from '@passport-relay/http';
export * as istio from '@passport-relay/istio';
export * as koa from '@passport-relay/koa';
export * as logging from '@passport-relay/logging';
export * as nest from '@passport-relay/nest';
export * as otel from '@passport-relay/otel';
export * as testing from '@passport-relay/testing';
export * as undici from '@passport-relay/undici';
