export { type BrokerServer, requireBinary } from './broker-process.js';
export { freeLoopbackPort } from './free-port.js';
export { startNatsServer } from './nats.js';
export { startRabbitMqServer } from './rabbitmq.js';
export { startRedisServer } from './redis.js';
