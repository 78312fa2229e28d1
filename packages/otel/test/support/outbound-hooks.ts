import { installAxiosPropagation } from '@passport-relay/axios';
import type { Relay } from '@passport-relay/core';
import { installHttpPropagation } from '@passport-relay/http';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import axios from 'axios';

/**
 * passport-relay's outbound hooks, installed as an app does after the SDK has started: global
 * fetch and undici, node:http and node:https, and axios. Returns the uninstall of all three.
 */
export function installOutboundHooks(relay: Relay): () => void {
  const uninstalls = [
    installGlobalFetchPropagation(relay),
    installHttpPropagation(relay),
    installAxiosPropagation(relay, { axios }),
  ];
  return () => {
    for (const uninstall of uninstalls.reverse()) uninstall();
  };
}
