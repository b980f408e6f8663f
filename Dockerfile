# Build with every dependency, run with production dependencies only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV CHECKPOINT_DISABLE=1
COPY package.json package-lock.json .npmrc ./
# The npm workspace packages (packages/*): `npm ci` links and builds them (their `prepare` script).
COPY packages ./packages
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --include=dev
COPY src ./src
COPY views ./views
RUN node scripts/build.mjs && npm prune --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# node_modules/@portcullis/resource-server links to it: its manifest and built code.
COPY --from=build /app/packages/resource-server/package.json ./packages/resource-server/
COPY --from=build /app/packages/resource-server/dist ./packages/resource-server/dist
COPY --from=build /app/dist ./dist
COPY --from=build /app/views ./views
COPY --from=build /app/prisma/migrations ./prisma/migrations
EXPOSE 3000
USER node
# The CLI in the container: docker compose exec portcullis node dist/cli/main.js --help
CMD ["node", "dist/main.js"]
