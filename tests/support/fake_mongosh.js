#!/usr/bin/env node
// A scripted replica set behind a stand-in `mongosh`, for tests of scripts/init-replica-set.sh.
//
// No mongod can run here, so this runs the script's JavaScript as mongosh would (`db`,
// `print`, `process.env`) against a small model of the servers, kept in a JSON file
// ($FAKE_MONGO_STATE) between calls, and appends every command it receives, with the
// connection's host and logged-in user and its own argv, to $FAKE_MONGO_LOG (JSON lines).
// The model follows MongoDB's documented rules that the script relies on: hello and ping need
// no login; with access control on, a connection over the loopback interface to a server with
// no users may only run replSetInitiate and create the first user (the localhost exception);
// users are created on the PRIMARY only; replSetInitiate makes the highest-priority member
// PRIMARY at once. State fields: members {host: {up, replSet}}, aliases {host: member},
// config, primary, auth, users {"db.user": {...}}, roles {"db.role": {...}}.
"use strict";
const fs = require("fs");

const statePath = process.env.FAKE_MONGO_STATE;
const state = JSON.parse(fs.readFileSync(statePath, "utf8"));
const argv = process.argv.slice(2);
const uri = argv.find((a) => a.startsWith("mongodb://"));
const js = argv[argv.indexOf("--eval") + 1];
const address = uri.slice("mongodb://".length).split("/")[0];
const host = (state.aliases || {})[address] || address;
const loopback = /^(localhost|127\.0\.0\.1):/.test(address);
let user = null;

function record(cmd) {
  const line = JSON.stringify({ address, host, user, argv, cmd });
  fs.appendFileSync(process.env.FAKE_MONGO_LOG, line + "\n");
}

class MongoServerError extends Error {
  constructor(code, codeName, message) {
    super(message);
    this.code = code;
    this.codeName = codeName;
  }
}

const member = state.members[host];
if (!member || !member.up) {
  console.error(`MongoNetworkError: connect ECONNREFUSED ${address}`);
  process.exit(1);
}

const noUsers = () => Object.keys(state.users).length === 0;
const isPrimary = () => state.primary === host;

function allowed(name) {
  if (["hello", "ping"].includes(name) || !state.auth || user) return true;
  return loopback && noUsers() && ["replSetInitiate", "createUser"].includes(name);
}

function needPrimary() {
  if (!isPrimary()) throw new MongoServerError(10107, "NotWritablePrimary", "not primary");
}

const commands = {
  ping: () => ({ ok: 1 }),
  hello: () => {
    const reply = { ok: 1, isWritablePrimary: Boolean(state.config) && isPrimary() };
    if (state.config) Object.assign(reply, { setName: state.config._id, primary: state.primary });
    else if (member.replSet) reply.isreplicaset = true;
    return reply;
  },
  replSetInitiate: (cmd) => {
    if (state.config) throw new MongoServerError(23, "AlreadyInitialized", "already initialized");
    state.config = cmd.replSetInitiate;
    const best = [...state.config.members].sort((a, b) => b.priority - a.priority)[0];
    state.primary = best.host;
    return { ok: 1 };
  },
  replSetGetStatus: () => {
    if (!state.config) throw new MongoServerError(94, "NotYetInitialized", "no replset config");
    const members = state.config.members.map((m) => ({
      name: m.host, stateStr: m.host === state.primary ? "PRIMARY" : "SECONDARY" }));
    return { ok: 1, set: state.config._id, members };
  },
  usersInfo: (cmd, dbName) => ({ ok: 1, users: state.users[`${dbName}.${cmd.usersInfo}`] ? [state.users[`${dbName}.${cmd.usersInfo}`]] : [] }),
  rolesInfo: (cmd, dbName) => ({ ok: 1, roles: state.roles[`${dbName}.${cmd.rolesInfo}`] ? [state.roles[`${dbName}.${cmd.rolesInfo}`]] : [] }),
  createUser: (cmd, dbName) => {
    needPrimary();
    const key = `${dbName}.${cmd.createUser}`;
    if (state.users[key]) throw new MongoServerError(51003, "Location51003", "User already exists");
    state.users[key] = { user: cmd.createUser, db: dbName, pwd: cmd.pwd, roles: cmd.roles };
    return { ok: 1 };
  },
  updateUser: (cmd, dbName) => {
    needPrimary();
    const key = `${dbName}.${cmd.updateUser}`;
    if (!state.users[key]) throw new MongoServerError(11, "UserNotFound", "no such user");
    Object.assign(state.users[key], { pwd: cmd.pwd, roles: cmd.roles });
    return { ok: 1 };
  },
  createRole: (cmd, dbName) => {
    needPrimary();
    const key = `${dbName}.${cmd.createRole}`;
    if (state.roles[key]) throw new MongoServerError(51002, "Location51002", "Role already exists");
    state.roles[key] = { role: cmd.createRole, db: dbName, privileges: cmd.privileges, roles: cmd.roles };
    return { ok: 1 };
  },
  updateRole: (cmd, dbName) => {
    needPrimary();
    const key = `${dbName}.${cmd.updateRole}`;
    if (!state.roles[key]) throw new MongoServerError(31, "RoleNotFound", "no such role");
    Object.assign(state.roles[key], { privileges: cmd.privileges, roles: cmd.roles });
    return { ok: 1 };
  },
};

function runCommand(dbName, cmd) {
  const name = Object.keys(cmd)[0];
  record({ db: dbName, ...cmd });
  if (!allowed(name)) throw new MongoServerError(13, "Unauthorized", `not authorized to run ${name}`);
  if (!commands[name]) throw new MongoServerError(59, "CommandNotFound", `no such command ${name}`);
  return commands[name](cmd, dbName);
}

function database(dbName) {
  return {
    runCommand: (cmd) => runCommand(dbName, cmd),
    getSiblingDB: (other) => database(other),
    auth: (name, pwd) => {
      record({ db: dbName, authenticate: name });
      const found = state.users[`${dbName}.${name}`];
      if (!found || found.pwd !== pwd) {
        throw new MongoServerError(18, "AuthenticationFailed", "Authentication failed.");
      }
      user = `${dbName}.${name}`;
      return { ok: 1 };
    },
  };
}

try {
  new Function("db", "print", js)(database("test"), (...parts) => console.log(parts.join(" ")));
} catch (e) {
  console.error(`Uncaught ${e.name}: ${e.message}`);
  process.exitCode = 1;
} finally {
  fs.writeFileSync(statePath, JSON.stringify(state, null, 1));
}
